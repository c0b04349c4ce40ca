/**
 * The tables of a key store file. One file per role (a master KME's and a slave KME's differ),
 * versioned with PRAGMA user_version; a file of a newer version is refused, never downgraded.
 *
 * Material is kept in chunks of at most CHUNK_BYTES, each in one row that fits one 4 KiB page,
 * so that cutting a 32-byte key reads one page, not a 64 KiB block.
 */
export const SCHEMA_VERSION = 2;

export type StoreRole = 'master' | 'slave';

/** Fits a table b-tree leaf page of 4096 bytes with its row header (at most 4061 bytes local). */
export const CHUNK_BYTES = 4000;

const COMMON = `
  -- Internal facts of the store: role, store ID, epoch; never chosen by callers.
  CREATE TABLE store_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  -- StoreValues: the link's small named values.
  CREATE TABLE store_value (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  -- Undelivered keys, oldest first by seq. SAE lists are JSON arrays; waiting is the part of
  -- slave_sae_ids that has not fetched the key yet.
  CREATE TABLE active_key (
    seq INTEGER PRIMARY KEY,
    key_id TEXT NOT NULL UNIQUE,
    key BLOB NOT NULL,
    master_sae_id TEXT NOT NULL,
    slave_sae_ids TEXT NOT NULL,
    waiting TEXT NOT NULL
  );
  -- Key IDs seen here that hold no key: delivered (kind 1) or for the other KME's SAEs (kind 2).
  CREATE TABLE seen_key (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind INTEGER NOT NULL,
    at INTEGER NOT NULL
  );
`;

/**
 * Version 2: runs (see key-runs.ts), batches of ascending key IDs in one row each, found by the
 * range first_id..last_id; seq is shared with the table of single rows beside each, so that
 * "oldest first" spans both. Runs never overlap within a table.
 */
const RUNS = `
  -- Undelivered keys of a run: ids concatenated (36 characters each), keys in the same order
  -- (a key fetched by all its SAEs zeroed), waiting a bit per key and slave SAE, held the number
  -- of keys some SAE still waits for.
  CREATE TABLE active_run (
    seq INTEGER PRIMARY KEY,
    first_id TEXT NOT NULL UNIQUE,
    last_id TEXT NOT NULL,
    ids TEXT NOT NULL,
    keys BLOB NOT NULL,
    master_sae_id TEXT NOT NULL,
    slave_sae_ids TEXT NOT NULL,
    waiting BLOB NOT NULL,
    held INTEGER NOT NULL
  );
  -- seen_key's runs.
  CREATE TABLE seen_run (
    seq INTEGER PRIMARY KEY,
    first_id TEXT NOT NULL UNIQUE,
    last_id TEXT NOT NULL,
    ids TEXT NOT NULL,
    kind INTEGER NOT NULL,
    at INTEGER NOT NULL
  );
`;

/** What brings a store of version `n - 1` to version `n`, for each n above 1. */
export const MIGRATIONS: Readonly<Record<number, string>> = { 2: RUNS };

const MASTER = `
  -- One row: the epoch's stream positions. allocated_to: every committed byte below it was
  -- handed out; valid_from: blocks reserved below it were voided by a reset.
  CREATE TABLE master_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    next_start INTEGER NOT NULL,
    valid_from INTEGER NOT NULL,
    committed_end INTEGER NOT NULL,
    allocated_to INTEGER NOT NULL
  );
  -- Blocks not yet used up: pending (committed = 0, reserved and being shipped) or committed.
  CREATE TABLE master_block (
    start INTEGER PRIMARY KEY,
    length INTEGER NOT NULL,
    committed INTEGER NOT NULL
  );
  -- Their bytes, in chunks aligned to the block's start, keyed by stream offset.
  CREATE TABLE master_chunk (start INTEGER PRIMARY KEY, bytes BLOB NOT NULL);
  -- The transactional outbox.
  CREATE TABLE outbox (seq INTEGER PRIMARY KEY, body TEXT NOT NULL);
  INSERT INTO master_state VALUES (1, 0, 0, 0, 0);
`;

const SLAVE = `
  -- One row: the era. epoch is NULL until the first reset arrived.
  CREATE TABLE replica_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    epoch TEXT,
    from_offset INTEGER NOT NULL,
    received_end INTEGER NOT NULL
  );
  -- Blocks held (not used up) in this era.
  CREATE TABLE replica_block (start INTEGER PRIMARY KEY, length INTEGER NOT NULL);
  CREATE TABLE replica_chunk (start INTEGER PRIMARY KEY, bytes BLOB NOT NULL);
  -- Ranges cut from held blocks, disjoint, each inside one block (so releasing a block forgets
  -- exactly its own cuts).
  CREATE TABLE replica_cut (start INTEGER PRIMARY KEY, end INTEGER NOT NULL);
  -- Ranges below received_end skipped by a later block: they can never arrive.
  CREATE TABLE replica_gap (start INTEGER PRIMARY KEY, end INTEGER NOT NULL);
  -- Link messages applied, to ignore their redelivery.
  CREATE TABLE applied_message (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind INTEGER NOT NULL,
    at INTEGER NOT NULL
  );
  INSERT INTO replica_state VALUES (1, NULL, 0, 0);
`;

/** The statements that create an empty store of `role`. */
export const schemaOf = (role: StoreRole): string =>
  COMMON + RUNS + (role === 'master' ? MASTER : SLAVE);

/** The file of each role's store in its data directory. */
export const fileNameOf = (role: StoreRole): string => `${role}-kme.sqlite`;

export const otherRole = (role: StoreRole): StoreRole => (role === 'master' ? 'slave' : 'master');
