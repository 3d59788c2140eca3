/**
 * Ciphertext storage: blob files under dataDir/blobs/<submission>/<part> plus their rows in SQLite.
 * Order of a write: temp file + fsync, rename + fsync dir, then the SQLite commit. A crash before
 * the commit leaves at most an orphan file, which `recover()` removes at the next start; a crash
 * after it leaves a part that is both durable and recorded, so a 2xx is never a lie.
 */
import { createHash } from "node:crypto";
import { link, readFile, readdir, rm, statfs, unlink } from "node:fs/promises";
import path from "node:path";
import type { Db } from "./db";
import { utcDay, daysBefore } from "./day";
import { commitTemp, fsyncDir, mkdirDurable, writeTemp } from "./durable-fs";
import { KeyedLock } from "./keyed-lock";

export interface StoredPart {
  name: string;
  size: number;
  sha256: string;
}

export interface SubmissionStatus {
  id: string;
  sealed: boolean;
  createdDay: string;
  sealedDay: string | null;
  keyringVersion: number;
  totalBytes: number;
  /** The thread's root for a follow-up (docs/adr/0007-two-way-contact.md); null for a root. */
  threadId: string | null;
  parts: StoredPart[];
}

export interface SealedSummary {
  id: string;
  sealedDay: string;
  fileCount: number;
  totalBytes: number;
}

export type PutResult =
  | { kind: "stored"; part: StoredPart }
  | { kind: "unchanged"; part: StoredPart }
  | { kind: "conflict"; message: string }
  | { kind: "too_large"; message: string }
  | { kind: "no_space"; message: string };

interface SubmissionRow {
  id: string;
  created_day: string;
  sealed_day: string | null;
  keyring_version: number;
  total_bytes: number;
  thread_id: string | null;
}

function isSubmissionRow(row: unknown): row is SubmissionRow {
  return typeof row === "object" && row !== null && "id" in row && "created_day" in row && "thread_id" in row;
}

function idsOf(rows: unknown[]): string[] {
  return rows.flatMap((row) => (typeof row === "object" && row !== null && "id" in row && typeof row.id === "string" ? [row.id] : []));
}

function isStoredPart(row: unknown): row is StoredPart {
  return typeof row === "object" && row !== null && "name" in row && "sha256" in row && "size" in row;
}

export function sha256Hex(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** `<part>.pre-rewrap-<keyring version>`: a header (or manifest) as it was before a rewrap. */
const PRE_REWRAP = /^(.+)\.pre-rewrap-(\d+)$/;

export function preRewrapName(part: string, keyringVersion: number): string {
  return `${part}.pre-rewrap-${keyringVersion}`;
}

export type ReplaceResult =
  | { kind: "replaced"; backup: string }
  | { kind: "unchanged" }
  | { kind: "refused"; message: string };

function isNoSpace(error: unknown): boolean {
  return error instanceof Error && "code" in error && (error.code === "ENOSPC" || error.code === "EDQUOT");
}

export class SubmissionStore {
  private readonly blobsDir: string;
  private readonly tmpDir: string;
  private readonly lock = new KeyedLock();

  constructor(
    private readonly db: Db,
    dataDir: string,
    private readonly limits: { submissionBytes: number; minFreeBytes: number },
  ) {
    this.blobsDir = path.join(dataDir, "blobs");
    this.tmpDir = path.join(dataDir, "tmp");
  }

  /** Start-up: drop temp files and blob files that no committed row names (crash leftovers). */
  async recover(): Promise<{ removedTemp: number; removedOrphans: number; missing: number }> {
    await mkdirDurable(this.blobsDir);
    await mkdirDurable(this.tmpDir);
    let removedTemp = 0;
    for (const name of await readdir(this.tmpDir)) {
      await unlink(path.join(this.tmpDir, name));
      removedTemp++;
    }
    let removedOrphans = 0;
    let missing = 0;
    for (const id of await readdir(this.blobsDir)) {
      const dir = path.join(this.blobsDir, id);
      const status = this.status(id);
      if (!status) {
        await rm(dir, { recursive: true, force: true });
        removedOrphans++;
        continue;
      }
      const known = new Set(status.parts.map((p) => p.name));
      const present = new Set(await readdir(dir));
      for (const name of present) {
        // A header replaced by `keys import-rewrap` is kept beside it until `keys drop-old-headers`.
        const backupOf = PRE_REWRAP.exec(name)?.[1];
        if (backupOf !== undefined && known.has(backupOf)) continue;
        if (!known.has(name)) {
          await unlink(path.join(dir, name));
          removedOrphans++;
        }
      }
      missing += [...known].filter((n) => !present.has(n)).length;
    }
    if (removedTemp + removedOrphans > 0) await fsyncDir(this.blobsDir);
    return { removedTemp, removedOrphans, missing };
  }

  private submissionRow(id: string): SubmissionRow | null {
    const row: unknown = this.db
      .prepare("SELECT id, created_day, sealed_day, keyring_version, total_bytes, thread_id FROM submissions WHERE id = ?")
      .get(id);
    return isSubmissionRow(row) ? row : null;
  }

  private storedPart(id: string, name: string): StoredPart | null {
    const row: unknown = this.db.prepare("SELECT name, size, sha256 FROM parts WHERE submission_id = ? AND name = ?").get(id, name);
    return isStoredPart(row) ? row : null;
  }

  status(id: string): SubmissionStatus | null {
    const row = this.submissionRow(id);
    if (!row) return null;
    const parts = this.db
      .prepare("SELECT name, size, sha256 FROM parts WHERE submission_id = ? ORDER BY name")
      .all(id)
      .filter(isStoredPart);
    return {
      id: row.id,
      sealed: row.sealed_day !== null,
      createdDay: row.created_day,
      sealedDay: row.sealed_day,
      keyringVersion: row.keyring_version,
      totalBytes: row.total_bytes,
      threadId: row.thread_id,
      parts,
    };
  }

  /**
   * The keyring version recorded at a submission's first part, or null when nothing is stored yet.
   * One indexed row, not `status()`: it is asked for every part of every upload.
   */
  keyringVersionOf(id: string): number | null {
    const row: unknown = this.db.prepare("SELECT keyring_version FROM submissions WHERE id = ?").get(id);
    return typeof row === "object" && row !== null && "keyring_version" in row && typeof row.keyring_version === "number" ? row.keyring_version : null;
  }

  /** Sealed submissions, newest day first; unsealed ones never appear outside the upload API. */
  listSealed(options: { sinceDay?: string } = {}): SealedSummary[] {
    return this.db
      .prepare(
        `SELECT id, sealed_day, file_count, total_bytes FROM submissions
         WHERE sealed_day IS NOT NULL AND sealed_day >= ? ORDER BY sealed_day DESC, id`,
      )
      .all(options.sinceDay ?? "0000-00-00")
      .flatMap((row) =>
        typeof row === "object" && row !== null && "id" in row && typeof row.id === "string" &&
        "sealed_day" in row && typeof row.sealed_day === "string" &&
        "file_count" in row && typeof row.file_count === "number" &&
        "total_bytes" in row && typeof row.total_bytes === "number"
          ? [{ id: row.id, sealedDay: row.sealed_day, fileCount: row.file_count, totalBytes: row.total_bytes }]
          : [],
      );
  }

  partPath(id: string, name: string): string {
    return path.join(this.blobsDir, id, name);
  }

  /**
   * Fast answer for a part that is already there (same bytes: unchanged, other bytes: conflict),
   * or null when the caller should go on and check the part's shape before `put`.
   */
  precheck(id: string, name: string, size: number, sha256: string): PutResult | null {
    // Runs for every uploaded part: one row of each table, never the submission's whole part list.
    const submission = this.submissionRow(id);
    if (!submission) {
      return size > this.limits.submissionBytes
        ? { kind: "too_large", message: `the submission would exceed ${this.limits.submissionBytes} bytes` }
        : null;
    }
    const existing = this.storedPart(id, name);
    if (existing) {
      return existing.sha256 === sha256
        ? { kind: "unchanged", part: existing }
        : { kind: "conflict", message: `part ${name} is already stored with different content` };
    }
    if (submission.sealed_day !== null) return { kind: "conflict", message: "the submission is sealed; no part can be added" };
    if (submission.total_bytes + size > this.limits.submissionBytes) {
      return { kind: "too_large", message: `the submission would exceed ${this.limits.submissionBytes} bytes` };
    }
    return null;
  }

  /** `sha256` is the caller's hash of `data` (computed once per request; hashing 2 MiB is not free). */
  async put(id: string, name: string, data: Uint8Array, sha256: string, keyringVersion: number): Promise<PutResult> {
    return this.lock.run(id, async () => {
      const early = this.precheck(id, name, data.length, sha256);
      if (early) return early;
      const free = await statfs(this.tmpDir);
      if (free.bavail * free.bsize - data.length < this.limits.minFreeBytes) {
        return { kind: "no_space", message: "the server is out of storage space; try again later" };
      }
      const part: StoredPart = { name, size: data.length, sha256 };
      let temp: string;
      try {
        temp = await writeTemp(this.tmpDir, data, new Date(`${utcDay()}T00:00:00Z`));
      } catch (error) {
        if (isNoSpace(error)) return { kind: "no_space", message: "the server is out of storage space; try again later" };
        throw error;
      }
      try {
        await mkdirDurable(path.join(this.blobsDir, id));
        await commitTemp(temp, this.partPath(id, name));
      } catch (error) {
        await unlink(temp).catch(() => undefined);
        if (isNoSpace(error)) return { kind: "no_space", message: "the server is out of storage space; try again later" };
        throw error;
      }
      try {
        this.db.transaction(() => {
          this.db
            .prepare(
              `INSERT INTO submissions (id, created_day, keyring_version) VALUES (?, ?, ?)
               ON CONFLICT(id) DO NOTHING`,
            )
            .run(id, utcDay(), keyringVersion);
          this.db.prepare("INSERT INTO parts (submission_id, name, size, sha256) VALUES (?, ?, ?, ?)").run(id, name, part.size, part.sha256);
          this.db.prepare("UPDATE submissions SET total_bytes = total_bytes + ? WHERE id = ?").run(part.size, id);
        })();
      } catch (error) {
        // Not committed, so not acknowledged: the file must not stay behind as if it were.
        await unlink(this.partPath(id, name)).catch(() => undefined);
        if (error instanceof Error && "code" in error && error.code === "SQLITE_FULL") {
          return { kind: "no_space", message: "the server is out of storage space; try again later" };
        }
        throw error;
      }
      return { kind: "stored", part };
    });
  }

  /**
   * Key rotation: replaces a sealed submission's header or manifest with a rewrapped one the
   * caller has checked (`check` runs under the submission's lock, on the stored bytes, so nothing
   * changes between the check and the write). The old file is kept as a hard link named
   * `<part>.pre-rewrap-<old keyring version>` until `dropPreRewrapFiles`. Order: link the backup,
   * new bytes to a temp file + fsync, rename over the part + fsync dir, then the row's size and
   * hash in one transaction. The submission's keyring version moves only once every keyed part
   * names the new keys (`markRewrapped`), so backups keep the version their PKESKs named. A crash
   * before the commit leaves the backup (and maybe the new file) with the row naming the old hash:
   * export bundles then report the part as altered until re-running import-rewrap with the same
   * file finishes it (a backup holding exactly the committed bytes is taken as this one's).
   */
  async replaceKeyedPart(args: {
    id: string;
    name: string;
    data: Uint8Array;
    check: (stored: Uint8Array) => Promise<string | null>;
  }): Promise<ReplaceResult> {
    const { id, name, data } = args;
    return this.lock.run(id, async () => {
      const status = this.status(id);
      if (!status) return { kind: "refused", message: "no such submission" };
      if (!status.sealed) return { kind: "refused", message: "the submission is not sealed" };
      const row = status.parts.find((p) => p.name === name);
      if (!row) return { kind: "refused", message: "no such part" };
      const finalPath = this.partPath(id, name);
      const stored = new Uint8Array(await readFile(finalPath));
      const problem = await args.check(stored);
      if (problem) return { kind: "refused", message: problem };
      const sha256 = sha256Hex(data);
      if (sha256 === row.sha256) return { kind: "unchanged" };
      const backup = preRewrapName(name, status.keyringVersion);
      const backupPath = this.partPath(id, backup);
      try {
        await link(finalPath, backupPath);
      } catch (error) {
        if (!(error instanceof Error && "code" in error && error.code === "EEXIST")) throw error;
        // A backup holding exactly the committed bytes means an earlier import of this part died
        // before its commit (after the link, or after the rename): keep that backup and finish,
        // so re-running the same import repairs it. Any other backup is someone else's.
        const existing = new Uint8Array(await readFile(backupPath));
        if (sha256Hex(existing) !== row.sha256) {
          return { kind: "refused", message: `${backup} already exists; run \`testigo keys drop-old-headers\` first` };
        }
      }
      const temp = await writeTemp(this.tmpDir, data, new Date(`${status.sealedDay ?? utcDay()}T00:00:00Z`));
      try {
        await commitTemp(temp, finalPath);
      } catch (error) {
        await unlink(temp).catch(() => undefined);
        await unlink(backupPath).catch(() => undefined);
        throw error;
      }
      this.db.transaction(() => {
        this.db.prepare("UPDATE parts SET size = ?, sha256 = ? WHERE submission_id = ? AND name = ?").run(data.length, sha256, id, name);
        this.db.prepare("UPDATE submissions SET total_bytes = total_bytes + ? WHERE id = ?").run(data.length - row.size, id);
      })();
      return { kind: "replaced", backup };
    });
  }

  /** Records that every header and the manifest of a sealed submission now name `version`'s keys. */
  async markRewrapped(id: string, version: number): Promise<void> {
    await this.lock.run(id, async () => {
      this.db.prepare("UPDATE submissions SET keyring_version = ? WHERE id = ? AND sealed_day IS NOT NULL").run(version, id);
    });
  }

  /** Removes every `*.pre-rewrap-*` file (the headers as they were before a rewrap). */
  async dropPreRewrapFiles(): Promise<string[]> {
    await mkdirDurable(this.blobsDir);
    const removed: string[] = [];
    for (const id of await readdir(this.blobsDir)) {
      const dir = path.join(this.blobsDir, id);
      let touched = false;
      await this.lock.run(id, async () => {
        for (const name of await readdir(dir)) {
          if (!PRE_REWRAP.test(name)) continue;
          await unlink(path.join(dir, name));
          removed.push(`${id}/${name}`);
          touched = true;
        }
        if (touched) await fsyncDir(dir);
      });
    }
    return removed;
  }

  /** Marks a submission sealed once the caller has checked its parts. Idempotent. */
  async seal(id: string, fileCount: number, check: (status: SubmissionStatus) => string | null): Promise<
    { kind: "sealed"; day: string } | { kind: "not_found" } | { kind: "conflict"; message: string }
  > {
    return this.lock.run(id, async () => {
      const status = this.status(id);
      if (!status) return { kind: "not_found" };
      const problem = check(status);
      if (problem) return { kind: "conflict", message: problem };
      if (status.sealedDay) return { kind: "sealed", day: status.sealedDay };
      const day = utcDay();
      this.db.prepare("UPDATE submissions SET sealed_day = ?, file_count = ? WHERE id = ?").run(day, fileCount, id);
      return { kind: "sealed", day };
    });
  }

  /**
   * Deletes one submission for good: its rows (parts and anything else that cascades) in one
   * transaction, then its blob directory, then an fsync of the blobs directory so the removal
   * survives a crash. `withinTransaction` runs inside the row transaction (the caller's audit
   * line commits with the deletion or not at all). A crash after the commit leaves orphan files,
   * which recover() removes at the next start. Returns false when there was nothing to delete
   * (or, with sealedOnly, the submission is not sealed: unsealed ones belong to the upload API).
   * Editors delete through deleteThread: a thread root never goes without its follow-ups.
   */
  async deleteSubmission(id: string, options: { sealedOnly?: boolean; withinTransaction?: () => void } = {}): Promise<boolean> {
    return this.lock.run(id, async () => {
      const deleted = this.db.transaction(() => {
        const result = this.db
          .prepare(`DELETE FROM submissions WHERE id = ?${options.sealedOnly ? " AND sealed_day IS NOT NULL" : ""}`)
          .run(id);
        if (result.changes === 0) return false;
        options.withinTransaction?.();
        return true;
      })();
      if (!deleted) return false;
      await rm(path.join(this.blobsDir, id), { recursive: true, force: true });
      await fsyncDir(this.blobsDir);
      // secure_delete wipes the rows in the database file, but older copies of their pages can sit
      // in the write-ahead log until a checkpoint; truncate it now (best effort: a busy reader only
      // postpones this to SQLite's next automatic checkpoint).
      this.db.pragma("wal_checkpoint(TRUNCATE)");
      return true;
    });
  }

  /**
   * Runs `work` while holding the submission's lock, the one part uploads and seals take: a
   * change to the submission's row (e.g. linking a follow-up) cannot interleave with them.
   */
  locked<T>(id: string, work: () => Promise<T> | T): Promise<T> {
    return this.lock.run(id, async () => work());
  }

  /**
   * Deletes a sealed thread root and everything of its thread for good: its follow-ups (sealed or
   * still uploading: rows, parts, download records, blob directories) and, by cascade, its
   * contact record and replies, in one transaction; then the blob directories, as
   * deleteSubmission does. Holds the lock of every submission it deletes, so no part upload or
   * seal of a follow-up runs in between; a follow-up linked after the locks were taken makes it
   * start over with that one locked too. `withinTransaction` gets the deleted ids (root first)
   * and commits with the deletion (the audit lines). Returns false for an id that is not a
   * sealed root: a follow-up is deleted only with its thread.
   */
  async deleteThread(rootId: string, options: { withinTransaction?: (ids: readonly string[]) => void } = {}): Promise<boolean> {
    const followUpsOf = () => idsOf(this.db.prepare("SELECT id FROM submissions WHERE thread_id = ? ORDER BY thread_seq, id").all(rootId));
    for (let attempt = 0; attempt < 5; attempt++) {
      const locked = new Set(followUpsOf());
      const outcome = await this.withLocks([rootId, ...locked], async (): Promise<"deleted" | "absent" | "retry"> => {
        const ids = this.db.transaction((): string[] | "absent" | "retry" => {
          const root = this.submissionRow(rootId);
          if (!root || root.sealed_day === null || root.thread_id !== null) return "absent";
          const followUps = followUpsOf();
          if (followUps.some((id) => !locked.has(id))) return "retry";
          const remove = this.db.prepare("DELETE FROM submissions WHERE id = ?");
          for (const id of followUps) remove.run(id);
          remove.run(rootId);
          const all = [rootId, ...followUps];
          options.withinTransaction?.(all);
          return all;
        })();
        if (typeof ids === "string") return ids;
        for (const id of ids) await rm(path.join(this.blobsDir, id), { recursive: true, force: true });
        await fsyncDir(this.blobsDir);
        // As in deleteSubmission: older copies of the wiped pages (replies are ciphertext in the
        // database) must not wait in the write-ahead log for SQLite's next checkpoint.
        this.db.pragma("wal_checkpoint(TRUNCATE)");
        return "deleted";
      });
      if (outcome !== "retry") return outcome === "deleted";
    }
    throw new Error("the thread kept changing while it was being deleted");
  }

  /** Takes the locks one after another in sorted order (no two callers can wait on each other). */
  private withLocks<T>(ids: readonly string[], work: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(ids)].sort();
    const step = (i: number): Promise<T> => (i === sorted.length ? work() : this.lock.run(sorted[i]!, () => step(i + 1)));
    return step(0);
  }

  /** Removes unsealed submissions created more than `ttlDays` whole days ago. */
  async sweepUnsealed(ttlDays: number, today: string = utcDay()): Promise<number> {
    const cutoff = daysBefore(today, ttlDays);
    const ids = this.db
      .prepare("SELECT id FROM submissions WHERE sealed_day IS NULL AND created_day < ?")
      .all(cutoff)
      .flatMap((row) => (typeof row === "object" && row !== null && "id" in row && typeof row.id === "string" ? [row.id] : []));
    for (const id of ids) {
      await this.lock.run(id, async () => {
        // Rows first: a crash between the two leaves orphan files, which recover() removes.
        this.db.prepare("DELETE FROM submissions WHERE id = ? AND sealed_day IS NULL").run(id);
        await rm(path.join(this.blobsDir, id), { recursive: true, force: true });
      });
    }
    if (ids.length > 0) await fsyncDir(this.blobsDir);
    return ids.length;
  }
}
