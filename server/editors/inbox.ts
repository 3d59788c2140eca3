/**
 * The editors' view of sealed submissions: day, file count, padded size, whether any editor has
 * downloaded it, and replies (none exist yet). Unsealed submissions never appear here.
 */
import { z } from "zod";
import type { Db } from "../storage/db";
import { utcDay } from "../storage/day";
import type { SubmissionStore } from "../storage/submission-store";
import type { AuditLog } from "./audit";

export interface InboxEntry {
  id: string;
  /** First 8 hex digits: what the bundle's file name and the inbox show. */
  ref: string;
  day: string;
  files: number;
  /** Stored ciphertext bytes: the padded size, never the true one (which the server never knows). */
  paddedBytes: number;
  state: "new" | "downloaded";
  replies: boolean;
}

const IdRow = z.object({ submission_id: z.string() });
const SealedRow = z.object({ sealed_day: z.string(), file_count: z.number().int(), total_bytes: z.number().int() });

export class Inbox {
  constructor(
    private readonly db: Db,
    private readonly store: SubmissionStore,
    private readonly audit: AuditLog,
  ) {}

  /** Every sealed submission, newest day first (ids within a day in id order: random, not arrival). */
  list(): InboxEntry[] {
    const downloaded = new Set(
      this.db
        .prepare("SELECT DISTINCT submission_id FROM submission_downloads")
        .all()
        .map((row) => IdRow.parse(row).submission_id),
    );
    return this.store.listSealed().map((s) => ({
      id: s.id,
      ref: s.id.slice(0, 8),
      day: s.sealedDay,
      files: s.fileCount,
      paddedBytes: s.totalBytes,
      state: downloaded.has(s.id) ? "downloaded" : "new",
      replies: false,
    }));
  }

  /** One sealed submission, or null (absent and unsealed look the same). */
  entry(id: string): InboxEntry | null {
    const row = SealedRow.safeParse(
      this.db.prepare("SELECT sealed_day, file_count, total_bytes FROM submissions WHERE id = ? AND sealed_day IS NOT NULL").get(id),
    );
    if (!row.success) return null;
    const downloaded = this.db.prepare("SELECT 1 FROM submission_downloads WHERE submission_id = ? LIMIT 1").get(id) !== undefined;
    return {
      id,
      ref: id.slice(0, 8),
      day: row.data.sealed_day,
      files: row.data.file_count,
      paddedBytes: row.data.total_bytes,
      state: downloaded ? "downloaded" : "new",
      replies: false,
    };
  }

  newIds(): string[] {
    return this.list()
      .filter((e) => e.state === "new")
      .map((e) => e.id);
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
