/**
 * What a commit survives. process: WAL with synchronous=NORMAL, a commit survives the process
 * being killed (the OS still has it); power: synchronous=FULL, it survives a machine crash too,
 * at the price of an fsync per commit.
 */
export type Durability = 'process' | 'power';

export interface KeyStoreOptions {
  /** Directory of the database file (created if missing, mode 0700), or ':memory:'. */
  readonly dataDir: string;
  /** process: WAL + synchronous=NORMAL (survives the process being killed); power: synchronous=FULL (survives a machine crash). */
  readonly durability: Durability;
  /** SAEs attached to this KME: the only slave SAEs whose keys ActiveKeys keeps (see ActiveKeyStore). */
  readonly attachedSaeIds: readonly string[];
  /** Most undelivered keys kept (MAX_ACTIVE_KEYS); beyond it the oldest are dropped. */
  readonly maxActiveKeys: number;
  readonly onDropped?: (count: number) => void;
  /** Delivered and foreign key IDs (and applied message IDs) remembered: at most this many, and no older than ageMs. Defaults: 1,000,000 and 7 days. */
  readonly remembered?: { readonly count: number; readonly ageMs: number };
  /** Largest database size in bytes (PRAGMA max_page_count); beyond it writes fail with KeyStoreUnavailableError. Unset: no limit. */
  readonly maxBytes?: number;
  /** For tests of time-based forgetting. */
  readonly now?: () => number;
}

export const IN_MEMORY = ':memory:';

export const DEFAULT_REMEMBERED = { count: 1_000_000, ageMs: 7 * 24 * 60 * 60 * 1000 } as const;
