import {
  Injectable,
  ValidationPipe,
  type ArgumentMetadata,
  type PipeTransform,
} from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { InvalidRequestError, type ErrorDetail } from './request-errors';

/**
 * Validates ETSI bodies and query strings against their DTOs. Unknown fields and parameters are
 * refused, and every problem becomes an ETSI Error body (400) naming the field.
 */
@Injectable()
export class EtsiValidationPipe implements PipeTransform {
  private readonly pipe = new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    exceptionFactory: (errors) => toInvalidRequest(errors),
  });

  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'custom' || metadata.type === 'param') return value;
    // An empty POST body means "all defaults" (§6.2); a body must otherwise be a JSON object
    // (a JSON `null` body is not one).
    const input: unknown = value === undefined ? {} : value;
    const what = metadata.type === 'body' ? 'request body' : 'query';
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new InvalidRequestError(`${what} must be a JSON object`, [{ [what]: 'not an object' }]);
    }
    // The validators recurse: deeply nested JSON would overflow the stack (a 500).
    if (nestedDeeperThan(input, MAX_JSON_DEPTH)) {
      throw new InvalidRequestError(`${what} is nested too deeply`, [
        { [what]: `nested deeper than ${MAX_JSON_DEPTH} levels` },
      ]);
    }
    return this.pipe.transform(input, metadata) as Promise<unknown>;
  }
}

/** Far deeper than any ETSI body, extensions included; far shallower than a stack overflow. */
const MAX_JSON_DEPTH = 64;

function nestedDeeperThan(value: object, limit: number): boolean {
  const pending: [unknown, number][] = [[value, 0]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [current, depth] = next;
    if (typeof current !== 'object' || current === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(current)) pending.push([child, depth + 1]);
  }
  return false;
}

function toInvalidRequest(errors: readonly ValidationError[]): InvalidRequestError {
  const details = errors.flatMap((error) => flatten(error, ''));
  const first = details[0];
  const message = first ? Object.values(first)[0] : 'bad request format';
  return new InvalidRequestError(message, details);
}

function flatten(error: ValidationError, parent: string): ErrorDetail[] {
  const path = parent === '' ? error.property : `${parent}[${error.property}]`;
  const own = Object.entries(error.constraints ?? {}).map(([rule, text]) => ({
    [path]: rule === 'whitelistValidation' ? `${path} is not a parameter of this request` : text,
  }));
  return [...own, ...(error.children ?? []).flatMap((child) => flatten(child, path))];
}

/** POST forms and status take no query parameters (§6.2, §6.4). */
@Injectable()
export class NoQueryParametersPipe implements PipeTransform {
  transform(value: unknown): unknown {
    const names = value && typeof value === 'object' ? Object.keys(value) : [];
    if (names.length > 0) {
      throw new InvalidRequestError(
        `${names[0]} is not a parameter of this request`,
        names.map((name) => ({ [name]: 'not a query parameter of this request' })),
      );
    }
    return value;
  }
}
