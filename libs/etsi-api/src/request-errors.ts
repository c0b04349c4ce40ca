/** One name/value pair of an ETSI Error body's `details`. */
export type ErrorDetail = Record<string, string>;

/** A request the standard calls a bad request format (400), with what was wrong in `details`. */
export class InvalidRequestError extends Error {
  constructor(
    message: string,
    readonly details: readonly ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'InvalidRequestError';
  }

  static field(field: string, reason: string, message = `${field} ${reason}`): InvalidRequestError {
    return new InvalidRequestError(message, [{ [field]: reason }]);
  }
}
