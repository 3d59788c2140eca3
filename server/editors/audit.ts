/**
 * The editors' audit log: who did what, on which day. It names editors and, for downloads and
 * deletions, the submission id; never anything about a witness (no address, no time finer than
 * the day); a reply line names the thread. Rows have no foreign keys so they survive the deletion they record.
 */
import { z } from "zod";
import type { Db } from "../storage/db";
import { utcDay } from "../storage/day";

export const AUDIT_ACTIONS = ["login_ok", "login_failed", "download", "delete", "logout", "reply"] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditLine {
  day: string;
  editor: string | null;
  action: AuditAction;
  submissionId: string | null;
}

const AuditRow = z.object({
  day: z.string(),
  editor: z.string().nullable(),
  action: z.enum(AUDIT_ACTIONS),
  submission_id: z.string().nullable(),
});

export class AuditLog {
  constructor(private readonly db: Db) {}

  record(action: AuditAction, editor: string | null, submissionId: string | null = null): void {
    this.db.prepare("INSERT INTO editor_audit (day, editor, action, submission_id) VALUES (?, ?, ?, ?)").run(utcDay(), editor, action, submissionId);
  }

  /** The most recent lines, newest first. */
  recent(limit: number): AuditLine[] {
    return this.db
      .prepare("SELECT day, editor, action, submission_id FROM editor_audit ORDER BY seq DESC LIMIT ?")
      .all(limit)
      .map((row) => {
        const r = AuditRow.parse(row);
        return { day: r.day, editor: r.editor, action: r.action, submissionId: r.submission_id };
      });
  }
}
