/** Base of the key store's domain errors; the ETSI layer maps each to a status code. */
export abstract class KeyPoolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Unknown key IDs, or keys this SAE already received (ETSI: 400). */
export class KeysNotFoundError extends KeyPoolError {
  constructor(readonly keyIds: readonly string[]) {
    super('one or more keys specified are not found on KME');
  }
}

/** The caller is not a slave SAE of a key, or named the wrong master SAE (ETSI: 401). */
export class KeyAccessDeniedError extends KeyPoolError {
  constructor(readonly keyIds: readonly string[]) {
    super('the calling SAE is not a slave SAE of the requested keys');
  }
}

/** Not enough shared material for the request right now (ETSI: 503). */
export class InsufficientKeyMaterialError extends KeyPoolError {
  constructor(
    readonly requestedBytes: number,
    readonly availableBytes: number,
  ) {
    super(
      `not enough key material: ${requestedBytes * 8} bits requested, ${availableBytes * 8} bits available`,
    );
  }
}

/** A range of material this KME does not hold (not arrived yet, or lost with a restart). */
export class MaterialUnavailableError extends KeyPoolError {
  constructor(readonly range: MaterialRangeLike) {
    super(`material ${describeRange(range)} is not held by this KME`);
  }
}

/** A range overlaps material already cut into keys: a protocol fault, never served. */
export class MaterialReusedError extends KeyPoolError {
  constructor(readonly range: MaterialRangeLike) {
    super(`material ${describeRange(range)} was already used for other keys`);
  }
}

interface MaterialRangeLike {
  readonly epoch: string;
  readonly start: number;
  readonly end: number;
}

const describeRange = (range: MaterialRangeLike): string =>
  `${range.epoch}[${range.start}, ${range.end})`;

/**
 * Something outside the request stops this KME from serving it now: the broker, the peer KME or
 * the link (ETSI: 503 with Retry-After). Not a KeyPoolError: no material is at fault.
 */
export class UnavailableError extends Error {
  constructor(
    message: string,
    /** Seconds a client should wait before trying again. */
    readonly retryAfterSeconds = 1,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The key store failed (disk full, I/O error): the change was not made (ETSI: 503). */
export class KeyStoreUnavailableError extends UnavailableError {
  constructor(reason: string) {
    super(`the key store of this KME cannot be written: ${reason}`, 5);
  }
}
