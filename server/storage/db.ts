/**
 * The metadata database. WAL + synchronous=FULL: a committed transaction survives a crash or a
 * power cut, which is what a 2xx promises. Holds no witness data beyond what the API needs:
 * ids chosen by the browser, part names, sizes, ciphertext hashes, and days.
 */
import Database from "better-sqlite3";

export type Db = Database.Database;

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE submissions (
     id TEXT PRIMARY KEY,
     created_day TEXT NOT NULL,
     sealed_day TEXT,
     keyring_version INTEGER NOT NULL,
     file_count INTEGER,
     total_bytes INTEGER NOT NULL DEFAULT 0
   ) STRICT;
   CREATE TABLE parts (
     submission_id TEXT NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
     name TEXT NOT NULL,
     size INTEGER NOT NULL,
     sha256 TEXT NOT NULL,
     PRIMARY KEY (submission_id, name)
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX submissions_unsealed ON submissions(created_day) WHERE sealed_day IS NULL;`,
];

export function openDb(file: string): Db {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = ON");
  // Deleted witness data must not linger in free pages of the database file.
  db.pragma("secure_delete = ON");
  db.pragma("busy_timeout = 5000");
  migrate(db);
  return db;
}

function migrate(db: Db): void {
  const current = Number(db.pragma("user_version", { simple: true }));
  db.transaction(() => {
    for (let v = current; v < MIGRATIONS.length; v++) {
      db.exec(MIGRATIONS[v]!);
    }
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  })();
}
