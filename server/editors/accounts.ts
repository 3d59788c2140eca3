/**
 * Editor accounts in SQLite. Names are case-insensitive (stored lower-case). Accounts are never
 * deleted, only disabled, so audit lines keep naming someone who existed.
 */
import { z } from "zod";
import type { Db } from "../storage/db";
import { utcDay } from "../storage/day";

export const EditorNameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9._-]{0,31}$/, "a name is 1 to 32 characters: a-z, 0-9, '.', '_', '-', starting with a letter or digit");

export interface EditorAccount {
  id: number;
  name: string;
  passwordHash: string;
  totpSecret: string;
  totpLastStep: number;
  disabled: boolean;
  createdDay: string;
}

const AccountRow = z
  .object({
    id: z.number().int(),
    name: z.string(),
    password_hash: z.string(),
    totp_secret: z.string(),
    totp_last_step: z.number().int(),
    disabled: z.union([z.literal(0), z.literal(1)]),
    created_day: z.string(),
  })
  .transform((r): EditorAccount => ({
    id: r.id,
    name: r.name,
    passwordHash: r.password_hash,
    totpSecret: r.totp_secret,
    totpLastStep: r.totp_last_step,
    disabled: r.disabled === 1,
    createdDay: r.created_day,
  }));

const SummaryRow = z.object({
  name: z.string(),
  disabled: z.union([z.literal(0), z.literal(1)]),
  created_day: z.string(),
  sessions: z.number().int(),
});

export interface EditorSummary {
  name: string;
  disabled: boolean;
  createdDay: string;
  sessions: number;
}

export class AccountExists extends Error {
  override name = "AccountExists";
}

export class EditorAccounts {
  constructor(private readonly db: Db) {}

  create(name: string, passwordHash: string, totpSecret: string): EditorAccount {
    const checked = EditorNameSchema.parse(name);
    if (this.byName(checked)) throw new AccountExists(`an editor named ${checked} already exists`);
    this.db
      .prepare("INSERT INTO editors (name, password_hash, totp_secret, created_day) VALUES (?, ?, ?, ?)")
      .run(checked, passwordHash, totpSecret, utcDay());
    const created = this.byName(checked);
    if (!created) throw new Error("the new editor account was not stored");
    return created;
  }

  /** The account for a name as typed at login (any case), or null. */
  byName(name: string): EditorAccount | null {
    const parsed = EditorNameSchema.safeParse(name);
    if (!parsed.success) return null;
    const row: unknown = this.db.prepare("SELECT * FROM editors WHERE name = ?").get(parsed.data);
    const account = AccountRow.safeParse(row);
    return account.success ? account.data : null;
  }

  list(): EditorSummary[] {
    return this.db
      .prepare(
        `SELECT e.name, e.disabled, e.created_day,
                (SELECT count(*) FROM editor_sessions s WHERE s.editor_id = e.id) AS sessions
         FROM editors e ORDER BY e.name`,
      )
      .all()
      .map((row) => {
        const r = SummaryRow.parse(row);
        return { name: r.name, disabled: r.disabled === 1, createdDay: r.created_day, sessions: r.sessions };
      });
  }

  /** Disabling ends every session of the account at once; enabling starts none. */
  setDisabled(name: string, disabled: boolean): boolean {
    const account = this.byName(name);
    if (!account) return false;
    this.db.transaction(() => {
      this.db.prepare("UPDATE editors SET disabled = ? WHERE id = ?").run(disabled ? 1 : 0, account.id);
      if (disabled) this.db.prepare("DELETE FROM editor_sessions WHERE editor_id = ?").run(account.id);
    })();
    return true;
  }

  /** A new TOTP secret (the old one may have leaked with a lost phone) ends every session. */
  resetTotp(name: string, totpSecret: string): boolean {
    const account = this.byName(name);
    if (!account) return false;
    this.db.transaction(() => {
      this.db.prepare("UPDATE editors SET totp_secret = ?, totp_last_step = 0 WHERE id = ?").run(totpSecret, account.id);
      this.db.prepare("DELETE FROM editor_sessions WHERE editor_id = ?").run(account.id);
    })();
    return true;
  }

  /** A new password hash ends every session (the old password may be what leaked). */
  setPasswordHash(name: string, passwordHash: string): boolean {
    const account = this.byName(name);
    if (!account) return false;
    this.db.transaction(() => {
      this.db.prepare("UPDATE editors SET password_hash = ? WHERE id = ?").run(passwordHash, account.id);
      this.db.prepare("DELETE FROM editor_sessions WHERE editor_id = ?").run(account.id);
    })();
    return true;
  }

  /**
   * Records a TOTP step as used, atomically: false when this step (or a later one) was already
   * accepted, so two concurrent logins with one code cannot both succeed.
   */
  claimTotpStep(editorId: number, step: number): boolean {
    return this.db.prepare("UPDATE editors SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?").run(step, editorId, step).changes === 1;
  }
}
