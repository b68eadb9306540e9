// The PostgreSQL ledger's tables. Everything the data server needs lives here (locks, the fencing
// sequence, the queue claim included) so that several data-server instances can share one
// database. Cents are BIGINT; times are milliseconds since the epoch from the database's clock.

/** The database's clock in milliseconds: every instance reads the same one for leases. */
export const NOW_MS = '(extract(epoch from clock_timestamp()) * 1000)::bigint';

/** Key of the advisory lock that serializes concurrent schema creation by several instances. */
export const SCHEMA_LOCK_KEY = 7_406_231_958_114_002;

/** Seed of the hash that maps an account id to the key of its transaction-scoped advisory lock. */
export const ACCOUNT_LOCK_SEED = 20_240_611;

export const SCHEMA = `
CREATE SEQUENCE IF NOT EXISTS fencing_tokens AS BIGINT START WITH 1 NO CYCLE;
CREATE TABLE IF NOT EXISTS accounts (
  id TEXT PRIMARY KEY, balance BIGINT NOT NULL, updated_at BIGINT NOT NULL);
-- The last line behind the rules: a customer account (system accounts start with '@') never goes
-- below zero. Added apart from CREATE TABLE so that databases created before it get it too.
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'accounts_customer_not_negative') THEN
    ALTER TABLE accounts ADD CONSTRAINT accounts_customer_not_negative CHECK (balance >= 0 OR left(id, 1) = '@');
  END IF;
END $$;
CREATE TABLE IF NOT EXISTS commits (
  id TEXT PRIMARY KEY, business_id TEXT NOT NULL, request_hash TEXT NOT NULL, committed_at BIGINT NOT NULL);
-- The journal: one row per double-entry movement (debit one account, credit another).
CREATE TABLE IF NOT EXISTS transfers (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  commit_id TEXT NOT NULL,
  business_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  debit_account_id TEXT NOT NULL,
  credit_account_id TEXT NOT NULL,
  amount BIGINT NOT NULL CHECK (amount > 0),
  debit_balance_after BIGINT NOT NULL,
  credit_balance_after BIGINT NOT NULL,
  committed_at BIGINT NOT NULL,
  CHECK (debit_account_id <> credit_account_id));
CREATE INDEX IF NOT EXISTS transfers_commit ON transfers (commit_id);
CREATE INDEX IF NOT EXISTS transfers_debit ON transfers (debit_account_id, seq);
CREATE INDEX IF NOT EXISTS transfers_credit ON transfers (credit_account_id, seq);
-- Account locks: leases with fencing tokens; a row whose expires_at_ms has passed is free.
CREATE TABLE IF NOT EXISTS locks (
  account_id TEXT PRIMARY KEY,
  business_id TEXT NOT NULL,
  fence BIGINT NOT NULL,
  expires_at_ms BIGINT NOT NULL);
-- Seed mode's durable queue, and its single claim (one row, claim_id NULL when free).
CREATE TABLE IF NOT EXISTS queue (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  operation_id TEXT NOT NULL UNIQUE,
  business_id TEXT NOT NULL,
  operation TEXT NOT NULL,
  status TEXT NOT NULL,
  result TEXT,
  enqueued_at BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS queue_pending ON queue (status, seq);
CREATE TABLE IF NOT EXISTS queue_claim (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  claim_id TEXT,
  business_id TEXT,
  operation_ids TEXT[] NOT NULL DEFAULT '{}',
  expires_at_ms BIGINT NOT NULL DEFAULT 0);
INSERT INTO queue_claim (id) VALUES (1) ON CONFLICT (id) DO NOTHING;
-- Versioned JSON documents (JSON keeps the value's text as written, like the embedded stores), and
-- their tags as an index for listing newest first.
CREATE TABLE IF NOT EXISTS records (
  collection TEXT NOT NULL,
  key TEXT NOT NULL,
  version INTEGER NOT NULL CHECK (version > 0),
  value JSON NOT NULL,
  tags JSON NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  PRIMARY KEY (collection, key));
CREATE TABLE IF NOT EXISTS record_tags (
  collection TEXT NOT NULL,
  tag TEXT NOT NULL,
  key TEXT NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  PRIMARY KEY (collection, tag, key));
CREATE INDEX IF NOT EXISTS record_tags_newest ON record_tags (collection, tag, updated_at_ms DESC, key);
`;
