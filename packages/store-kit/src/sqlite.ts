// A SQLite file opened the one way banca's stores use it: WAL with synchronous=FULL, so a
// transaction that has returned survives a crash of the process or the machine.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** Opens (creating its folder) a durable SQLite database and applies the schema (CREATE ... IF NOT EXISTS). */
export function openDurableSqlite(file: string, schema: string): Database.Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.exec(schema);
  return db;
}
