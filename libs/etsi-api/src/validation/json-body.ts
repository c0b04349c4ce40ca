import { visit } from 'jsonc-parser';
import { InvalidRequestError } from '../request-errors';

/** Far deeper than any ETSI body, extensions included; far shallower than a stack overflow. */
export const MAX_JSON_DEPTH = 64;

export interface JsonBody {
  /** The parsed body; `{}` for an empty one (all defaults, §6.2). */
  readonly value: unknown;
  /** The body as it came, when it came as text. */
  readonly text?: string;
  /** Where the body named `__proto__`; those members were removed. */
  readonly protoMembers: readonly string[];
}

/**
 * Reads a request body as JSON, whatever its Content-Type said: as text from the platform, or
 * already parsed by middleware an application added. A `__proto__` member is removed wherever
 * it is, so that no later copy of the body can set an object's prototype.
 */
export function readJsonBody(raw: unknown): JsonBody {
  if (Buffer.isBuffer(raw)) return readJsonBody(raw.toString('utf8'));
  if (typeof raw !== 'string') {
    return raw === undefined
      ? { value: {}, protoMembers: [] }
      : { value: raw, protoMembers: removeProtoMembers(raw) };
  }
  if (raw.trim() === '') return { value: {}, protoMembers: [] };
  const text = raw;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidRequestError(`request body is not valid JSON: ${reason}`, [
      { 'request body': 'not JSON' },
    ]);
  }
  return { value, text, protoMembers: removeProtoMembers(value) };
}

/** Checks the depth and removes `__proto__` members, iteratively: the body may be hostile. */
function removeProtoMembers(root: unknown): string[] {
  const found: string[] = [];
  const pending: [unknown, string, number][] = [[root, '', 0]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [current, path, depth] = next;
    if (typeof current !== 'object' || current === null) continue;
    if (depth > MAX_JSON_DEPTH) {
      throw new InvalidRequestError('request body is nested too deeply', [
        { 'request body': `nested deeper than ${MAX_JSON_DEPTH} levels` },
      ]);
    }
    if (Object.hasOwn(current, '__proto__')) {
      found.push(memberPath(path, '__proto__'));
      // An own data property, as JSON.parse makes it: delete removes it, not the prototype.
      delete (current as Record<string, unknown>)['__proto__'];
    }
    for (const [name, child] of Object.entries(current)) {
      pending.push([
        child,
        Array.isArray(current) ? `${path}[${name}]` : memberPath(path, name),
        depth + 1,
      ]);
    }
  }
  return found;
}

/** `key_IDs[0][key_ID]` style, as the ETSI Error details name fields. */
export const memberPath = (parent: string, name: string): string =>
  parent === '' ? name : `${parent}[${name}]`;

type Container =
  | { readonly kind: 'object'; readonly path: string; readonly names: Set<string>; name?: string }
  | { readonly kind: 'array'; readonly path: string; index: number };

/**
 * Member names given twice in one object, which JSON.parse silently resolves to the last one.
 * Only for bodies already known to be valid and shallow (see parseJsonBody): the scan recurses.
 */
export function duplicateMembers(text: string): string[] {
  const duplicates: string[] = [];
  const stack: Container[] = [];
  const pathOfNextValue = (): string => {
    const top = stack[stack.length - 1];
    if (top === undefined) return '';
    return top.kind === 'object'
      ? memberPath(top.path, top.name ?? '')
      : `${top.path}[${top.index}]`;
  };
  visit(text, {
    onObjectBegin: () => {
      stack.push({ kind: 'object', path: pathOfNextValue(), names: new Set() });
    },
    onObjectProperty: (name) => {
      const top = stack[stack.length - 1];
      if (top?.kind !== 'object') return;
      if (top.names.has(name)) duplicates.push(memberPath(top.path, name));
      top.names.add(name);
      top.name = name;
    },
    onArrayBegin: () => {
      stack.push({ kind: 'array', path: pathOfNextValue(), index: 0 });
    },
    onSeparator: (character) => {
      const top = stack[stack.length - 1];
      if (character === ',' && top?.kind === 'array') top.index += 1;
    },
    onObjectEnd: () => void stack.pop(),
    onArrayEnd: () => void stack.pop(),
  });
  return duplicates;
}
