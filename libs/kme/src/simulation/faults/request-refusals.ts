/**
 * Whether this KME refuses the key request it is about to serve (a refuse_requests fault):
 * the 503 message when it does, else undefined. Each call counts one request.
 */
export abstract class RequestRefusals {
  abstract refuse(): string | undefined;
}
