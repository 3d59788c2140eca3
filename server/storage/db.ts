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
  // Editor accounts (server/editors). Times in milliseconds appear only for editors' sessions,
  // which need them for their timeouts; nothing here is about a witness. TOTP secrets live here
  // in the clear (docs/adr/0005-editor-authentication.md). The audit log has no foreign keys so
  // its lines outlive the submissions they mention.
  `CREATE TABLE editors (
     id INTEGER PRIMARY KEY,
     name TEXT NOT NULL UNIQUE,
     password_hash TEXT NOT NULL,
     totp_secret TEXT NOT NULL,
     totp_last_step INTEGER NOT NULL DEFAULT 0,
     disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
     created_day TEXT NOT NULL
   ) STRICT;
   CREATE TABLE editor_sessions (
     token_sha256 TEXT PRIMARY KEY,
     editor_id INTEGER NOT NULL REFERENCES editors(id) ON DELETE CASCADE,
     csrf_token TEXT NOT NULL,
     created_ms INTEGER NOT NULL,
     last_seen_ms INTEGER NOT NULL
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX editor_sessions_editor ON editor_sessions(editor_id);
   CREATE TABLE submission_downloads (
     submission_id TEXT NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
     editor_id INTEGER NOT NULL REFERENCES editors(id),
     day TEXT NOT NULL,
     PRIMARY KEY (submission_id, editor_id, day)
   ) STRICT, WITHOUT ROWID;
   CREATE TABLE editor_audit (
     seq INTEGER PRIMARY KEY,
     day TEXT NOT NULL,
     editor TEXT,
     action TEXT NOT NULL CHECK (action IN ('login_ok', 'login_failed', 'download', 'delete', 'logout')),
     submission_id TEXT
   ) STRICT;`,
  // Two-way contact (docs/adr/0007-two-way-contact.md). A follow-up names its thread's root in
  // thread_id (NULL for roots); thread_seq keeps the order follow-ups were linked in. The contact
  // holds only what a seized server may hold: the SHA-256 of the login verifier, the witness's
  // public key and its passphrase-encrypted secret key. Replies are small ciphertexts, kept in
  // SQLite so each one commits durably in the same transaction as its row and its audit line.
  // editor_audit is rebuilt to allow 'reply': SQLite cannot alter a CHECK constraint.
  `ALTER TABLE submissions ADD COLUMN thread_id TEXT;
   ALTER TABLE submissions ADD COLUMN thread_seq INTEGER;
   CREATE INDEX submissions_thread ON submissions(thread_id) WHERE thread_id IS NOT NULL;
   CREATE TABLE contacts (
     submission_id TEXT PRIMARY KEY REFERENCES submissions(id) ON DELETE CASCADE,
     login_sha256 TEXT NOT NULL UNIQUE,
     public_key BLOB NOT NULL,
     secret_key BLOB NOT NULL,
     encryption_key_id TEXT NOT NULL,
     created_day TEXT NOT NULL
   ) STRICT;
   CREATE TABLE replies (
     id TEXT PRIMARY KEY,
     thread_id TEXT NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
     seq INTEGER NOT NULL,
     day TEXT NOT NULL,
     size INTEGER NOT NULL,
     sha256 TEXT NOT NULL,
     editor TEXT,
     message BLOB NOT NULL,
     UNIQUE (thread_id, sha256)
   ) STRICT;
   CREATE TABLE editor_audit_next (
     seq INTEGER PRIMARY KEY,
     day TEXT NOT NULL,
     editor TEXT,
     action TEXT NOT NULL CHECK (action IN ('login_ok', 'login_failed', 'download', 'delete', 'logout', 'reply')),
     submission_id TEXT
   ) STRICT;
   INSERT INTO editor_audit_next (seq, day, editor, action, submission_id) SELECT seq, day, editor, action, submission_id FROM editor_audit;
   DROP TABLE editor_audit;
   ALTER TABLE editor_audit_next RENAME TO editor_audit;`,
  // Key rotation of replies (`testigo keys import-rewrap`): the message as it was before its
  // session-key packets were rewrapped, kept until `keys drop-old-headers` as headers keep their
  // `.pre-rewrap-<version>` files, so the old keys still open it if the new ones turn out not to.
  // NULL when the reply was never rewrapped or the copy was dropped.
  `ALTER TABLE replies ADD COLUMN message_before_rewrap BLOB;`,
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
