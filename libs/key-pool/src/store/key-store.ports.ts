import type { DeliveredKey, KeyBatch } from '../keys';
import type { MaterialBlock, MaterialRange } from '../material';

/**
 * The ports of a KME's key store: what the KMEs need from wherever their material and keys are
 * kept. Every method is synchronous and every change is durable once the enclosing
 * `transaction` returns (or, outside one, once the method returns): a KME answers an SAE only
 * after the store committed what the answer promises. Implementations throw the domain errors of
 * this library, or KeyStoreUnavailableError when the store itself fails (disk full, I/O error),
 * in which case the transaction changed nothing.
 */

/** Where a master KME's allocation lies and what it holds. */
export interface Allocation {
  /** Where the bytes lie in the stream, in order; more than one when blocks are not adjacent. */
  readonly ranges: readonly MaterialRange[];
  /** A copy of the allocated bytes. */
  readonly bytes: Buffer;
}

/**
 * The master KME's view of the shared material: one byte stream per epoch, shipped in blocks and
 * handed out in stream order, so that no byte is ever part of two keys. The epoch is created with
 * the store and survives restarts.
 */
export interface MasterMaterial {
  readonly epoch: string;
  /** Committed bytes not yet allocated. */
  readonly availableBytes: number;
  /** Gives the next stream position to a block about to be shipped; kept as pending. */
  reserve(bytes: Buffer): MaterialBlock;
  /**
   * Makes a shipped (broker-confirmed) block allocatable. Returns false, keeping nothing, when a
   * reset voided it after it was reserved. Blocks are committed in the order they were reserved.
   */
  commit(block: MaterialBlock): boolean;
  /** Blocks reserved, neither committed nor voided, in stream order: to ship (again). */
  pendingBlocks(): MaterialBlock[];
  /** Takes `length` bytes in stream order; InsufficientKeyMaterialError when fewer are held. */
  allocate(length: number): Allocation;
  /**
   * Forgets every unallocated byte, pending blocks included, because the peer lost its copy.
   * Returns the stream offset from which material is valid again.
   */
  discardUnallocated(): number;
}

/**
 * The slave KME's copy of the shared material. It never chooses bytes: it cuts the ranges the
 * master KME allocated, and refuses any byte that was already cut, also after a restart.
 */
export interface ReplicaMaterial {
  /** Epoch of the current era; undefined until the first link reset arrived. */
  readonly epoch: string | undefined;
  readonly availableBytes: number;
  /** End of the material received in this era: a redelivered block below it is ignored. */
  readonly receivedEnd: number;
  /** Starts a new era: only material of `epoch` at or after `fromOffset` is valid. */
  reset(epoch: string, fromOffset: number): void;
  /** Stores a block; false (and nothing kept) for a redelivered one or one of no current era. */
  add(block: MaterialBlock): boolean;
  /** True when every byte of the range has arrived in this era (used or not). */
  holds(range: MaterialRange): boolean;
  /** Calls `listener` after every stored block until the returned function is called. */
  onArrival(listener: () => void): () => void;
  /**
   * Copies the ranges out, concatenated, and marks them used. All-or-nothing:
   * MaterialUnavailableError for a byte not held, MaterialReusedError for one already cut.
   */
  cut(ranges: readonly MaterialRange[]): Buffer;
}

/**
 * Activated keys on one KME, delivered once to each of their slave SAEs (those attached to this
 * KME) and then removed. Retrieval is all-or-nothing.
 */
export interface ActiveKeys {
  /** Undelivered keys held. */
  readonly size: number;
  /**
   * Records a batch of new keys for those of their slave SAEs attached to this KME; keys for the
   * other KME's SAEs only are remembered as such. Throws, recording none, when an ID is known.
   * Beyond the capacity the oldest undelivered keys are dropped (and reported).
   */
  activate(batch: KeyBatch, masterSaeId: string, slaveSaeIds: readonly string[]): void;
  /**
   * Delivers the keys to `callerSaeId` in the order asked. Throws, consuming nothing,
   * KeysNotFoundError for an unknown key or one this caller already received, and
   * KeyAccessDeniedError when the caller is not a slave SAE of a key or `masterSaeId` is not its
   * master SAE.
   */
  take(keyIds: readonly string[], callerSaeId: string, masterSaeId: string): DeliveredKey[];
  /**
   * Resolves once every ID is present, or after `timeoutMs`; at once when an ID can no longer
   * arrive (delivered already). Never throws.
   */
  whenPresent(keyIds: readonly string[], timeoutMs: number): Promise<void>;
  /** True when the ID is held here or was seen here: it is not still on its way. */
  known(keyId: string): boolean;
}

/** One message waiting in the outbox, in the order it was added. */
export interface OutboxEntry {
  readonly seq: number;
  readonly body: string;
}

/**
 * Messages committed with the change they announce and sent later (transactional outbox): what
 * is in it after a crash is sent again, so a receiver must ignore a message it already applied.
 */
export interface Outbox {
  readonly size: number;
  /** The sequence number of the last message added so far (0 before the first). */
  readonly lastSeq: number;
  /** Adds a message; returns its sequence number (increasing). */
  add(body: string): number;
  /** Up to `limit` entries with a sequence number above `afterSeq`, in order. */
  entriesAfter(afterSeq: number, limit: number): OutboxEntry[];
  /** Removes the entries up to and including `seq` (they were delivered). */
  removeThrough(seq: number): void;
}

/** IDs of link messages already applied, to ignore their redelivery; bounded, oldest forgotten. */
export interface AppliedMessages {
  has(id: string): boolean;
  add(id: string): void;
}

/** Small named values of the link that must survive a restart (the peer's store ID, say). */
export interface StoreValues {
  get(name: string): string | undefined;
  set(name: string, value: string | undefined): void;
}

/** What both KMEs' stores have. */
export abstract class KeyStore {
  /** Random ID created with the store: a KME that lost its store comes back with a new one. */
  abstract readonly storeId: string;
  abstract readonly activeKeys: ActiveKeys;
  abstract readonly values: StoreValues;
  /** Runs `work` atomically: all its changes are committed, or none when it throws. */
  abstract transaction<T>(work: () => T): T;
  /** Whether a small write succeeds now (for readiness checks). */
  abstract writable(): boolean;
  abstract close(): void;
}

/** The master KME's store: its material, its keys for its own SAEs, its outbox. */
export abstract class MasterKeyStore extends KeyStore {
  abstract readonly material: MasterMaterial;
  abstract readonly outbox: Outbox;
}

/** The slave KME's store: its copy of the material, its keys, the link messages it applied. */
export abstract class SlaveKeyStore extends KeyStore {
  abstract readonly material: ReplicaMaterial;
  abstract readonly applied: AppliedMessages;
}
