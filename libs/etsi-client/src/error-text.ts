/**
 * A readable reason for any thrown value. Duck-typed rather than `instanceof Error`, because
 * errors from Node's internals may come from another realm (a test runner's sandbox).
 * Node's network errors say most in their code (ECONNREFUSED), TLS errors in their message;
 * the code is appended when the message does not already contain it.
 */
export function errorText(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const { message, code, name } = error as { message?: unknown; code?: unknown; name?: unknown };
  const text =
    typeof message === 'string' && message !== ''
      ? message
      : typeof name === 'string'
        ? name
        : 'unknown error';
  return typeof code === 'string' && !text.includes(code) ? `${text} (${code})` : text;
}
