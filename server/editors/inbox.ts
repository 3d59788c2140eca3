/**
 * The editors' view of sealed submissions, by thread (docs/adr/0007-two-way-contact.md): the inbox
 * lists thread roots (a witness's first submission) with their day, file count, padded size,
 * follow-up count, whether replies exist, and whether anything of the thread is still undownloaded.
 * Unsealed submissions never appear here; follow-ups appear inside their thread only.
 */
import { z } from "zod";
import type { Db } from "../storage/db";
import { utcDay } from "../storage/day";
import type { AuditLog } from "./audit";

export interface InboxEntry {
  id: string;
  /** First 8 hex digits: what the bundle's file name and the inbox show. */
  ref: string;
  day: string;
  files: number;
  /** Stored ciphertext bytes: the padded size, never the true one (which the server never knows). */
  paddedBytes: number;
  /** For a root: "new" while any submission of its thread (root or sealed follow-up) is undownloaded. */
  state: "new" | "downloaded";
  /** Whether any editor replied in this thread (always false for a follow-up's own entry). */
  replies: boolean;
  /** Sealed follow-ups linked to this thread (0 for a follow-up's own entry). */
  followUps: number;
}

const EntryRow = z.object({
  id: z.string(),
  sealed_day: z.string(),
  file_count: z.number().int(),
  total_bytes: z.number().int(),
  follow_ups: z.number().int(),
  has_replies: z.number().int(),
  is_new: z.number().int(),
});
const IdRow = z.object({ id: z.string() });

const toEntry = (r: z.infer<typeof EntryRow>): InboxEntry => ({
  id: r.id,
  ref: r.id.slice(0, 8),
  day: r.sealed_day,
  files: r.file_count,
  paddedBytes: r.total_bytes,
  state: r.is_new !== 0 ? "new" : "downloaded",
  replies: r.has_replies !== 0,
  followUps: r.follow_ups,
});

const UNDOWNLOADED = "NOT EXISTS (SELECT 1 FROM submission_downloads d WHERE d.submission_id = %.id)";

/** The columns of an entry, for submissions aliased `s`; follow-ups of s are aliased `f`. */
const ROOT_COLUMNS = `s.id, s.sealed_day, s.file_count, s.total_bytes,
  (SELECT count(*) FROM submissions f WHERE f.thread_id = s.id AND f.sealed_day IS NOT NULL) AS follow_ups,
  EXISTS (SELECT 1 FROM replies r WHERE r.thread_id = s.id) AS has_replies,
  (${UNDOWNLOADED.replace("%", "s")}
   OR EXISTS (SELECT 1 FROM submissions f WHERE f.thread_id = s.id AND f.sealed_day IS NOT NULL AND ${UNDOWNLOADED.replace("%", "f")})) AS is_new`;

const FOLLOW_UP_COLUMNS = `s.id, s.sealed_day, s.file_count, s.total_bytes, 0 AS follow_ups, 0 AS has_replies, ${UNDOWNLOADED.replace("%", "s")} AS is_new`;

export class Inbox {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
  ) {}

  /**
   * Every thread, the one with the most recent activity (a sealed root or follow-up) first, so a
   * witness coming back to an old thread is not buried; ids within a day in id order (random).
   */
  list(): InboxEntry[] {
    return this.db
      .prepare(
        `SELECT ${ROOT_COLUMNS},
           max(s.sealed_day, coalesce((SELECT max(f.sealed_day) FROM submissions f WHERE f.thread_id = s.id), '')) AS latest
         FROM submissions s WHERE s.sealed_day IS NOT NULL AND s.thread_id IS NULL
         ORDER BY latest DESC, s.id`,
      )
      .all()
      .map((row) => toEntry(EntryRow.parse(row)));
  }

  /** One sealed thread root, or null (absent, unsealed and follow-up ids look the same). */
  entry(id: string): InboxEntry | null {
    const row = EntryRow.safeParse(
      this.db.prepare(`SELECT ${ROOT_COLUMNS} FROM submissions s WHERE s.id = ? AND s.sealed_day IS NOT NULL AND s.thread_id IS NULL`).get(id),
    );
    return row.success ? toEntry(row.data) : null;
  }

  /** A thread's sealed follow-ups, in the order the witness linked them. */
  followUps(rootId: string): InboxEntry[] {
    return this.db
      .prepare(`SELECT ${FOLLOW_UP_COLUMNS} FROM submissions s WHERE s.thread_id = ? AND s.sealed_day IS NOT NULL ORDER BY s.thread_seq, s.id`)
      .all(rootId)
      .map((row) => toEntry(EntryRow.parse(row)));
  }

  /** Every sealed submission (roots and follow-ups) no editor has downloaded yet, newest first. */
  newIds(): string[] {
    return this.db
      .prepare(`SELECT s.id FROM submissions s WHERE s.sealed_day IS NOT NULL AND ${UNDOWNLOADED.replace("%", "s")} ORDER BY s.sealed_day DESC, s.id`)
      .all()
      .map((row) => IdRow.parse(row).id);
  }

  /**
   * After a bundle went out whole: mark each submission downloaded by this editor today and write
   * one audit line each, in one transaction. A submission deleted meanwhile is skipped.
   */
  recordDownload(editor: { editorId: number; name: string }, ids: readonly string[]): void {
    const day = utcDay();
    const insert = this.db.prepare(
      `INSERT OR IGNORE INTO submission_downloads (submission_id, editor_id, day)
       SELECT id, ?, ? FROM submissions WHERE id = ? AND sealed_day IS NOT NULL`,
    );
    this.db.transaction(() => {
      for (const id of ids) {
        insert.run(editor.editorId, day, id);
        this.audit.record("download", editor.name, id);
      }
    })();
  }
}
