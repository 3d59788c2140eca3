/**
 * Editor sessions, server-side in SQLite. The cookie carries 256 random bits; the table keeps
 * only their SHA-256, so a copy of the database (a backup, a seized disk) holds no usable session.
 * Each session has its own CSRF token. Idle timeout 15 minutes, absolute 12 hours.
 */
import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import type { Db } from "../storage/db";

export const SESSION_COOKIE = "__Host-testigo_editor";
/** Pre-login CSRF token (double-submit): login forms must come from our own login page. */
export const LOGIN_COOKIE = "__Host-testigo_login";

export const IDLE_TIMEOUT_MS = 15 * 60 * 1000;
export const ABSOLUTE_TIMEOUT_MS = 12 * 60 * 60 * 1000;

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** 256 bits from node:crypto, base64url (43 characters). */
export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

export function isToken(value: string): boolean {
  return TOKEN.test(value);
}

export function tokenSha256(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/**
 * The value of one cookie, or null when it is absent, malformed, or sent more than once (a
 * second copy can only come from someone planting it; trust neither).
 */
export function readCookie(header: string | null | undefined, name: string): string | null {
  if (!header) return null;
  const values = header
    .split(";")
    .map((pair) => pair.trim())
    .filter((pair) => pair.startsWith(`${name}=`))
    .map((pair) => pair.slice(name.length + 1));
  if (values.length !== 1) return null;
  const value = values[0]!;
  return isToken(value) ? value : null;
}

/**
 * __Host-: only this exact host may set it, over a secure context, for Path=/ (no sibling domain
 * or plain-http page can plant or overwrite it). No Max-Age: it ends with the browser as well.
 */
function hostCookie(name: string, value: string, extra = ""): string {
  return `${name}=${value}; Path=/; HttpOnly; Secure; SameSite=Strict${extra}`;
}

export function sessionCookie(token: string): string {
  return hostCookie(SESSION_COOKIE, token);
}

export function clearedSessionCookie(): string {
  return hostCookie(SESSION_COOKIE, "", "; Max-Age=0");
}

export function loginCookie(token: string): string {
  return hostCookie(LOGIN_COOKIE, token, "; Max-Age=3600");
}

export function clearedLoginCookie(): string {
  return hostCookie(LOGIN_COOKIE, "", "; Max-Age=0");
}

export interface EditorSession {
  editorId: number;
  name: string;
  csrfToken: string;
  tokenSha256: string;
}

const SessionRow = z.object({
  token_sha256: z.string(),
  editor_id: z.number().int(),
  csrf_token: z.string(),
  created_ms: z.number().int(),
  last_seen_ms: z.number().int(),
  name: z.string(),
  disabled: z.union([z.literal(0), z.literal(1)]),
});

export class EditorSessions {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  /** A fresh session (never one the browser proposed: no fixation). Returns the cookie token. */
  create(editorId: number): string {
    const token = newToken();
    const now = this.now();
    this.db
      .prepare("INSERT INTO editor_sessions (token_sha256, editor_id, csrf_token, created_ms, last_seen_ms) VALUES (?, ?, ?, ?, ?)")
      .run(tokenSha256(token), editorId, newToken(), now, now);
    return token;
  }

  /** The live session a cookie token names, its idle clock restarted; null otherwise. */
  lookup(token: string | null): EditorSession | null {
    if (token === null || !isToken(token)) return null;
    const hash = tokenSha256(token);
    const parsed = SessionRow.safeParse(
      this.db
        .prepare(
          `SELECT s.token_sha256, s.editor_id, s.csrf_token, s.created_ms, s.last_seen_ms, e.name, e.disabled
           FROM editor_sessions s JOIN editors e ON e.id = s.editor_id WHERE s.token_sha256 = ?`,
        )
        .get(hash),
    );
    if (!parsed.success) return null;
    const row = parsed.data;
    const now = this.now();
    if (row.disabled === 1 || now - row.last_seen_ms > IDLE_TIMEOUT_MS || now - row.created_ms > ABSOLUTE_TIMEOUT_MS) {
      this.destroy(hash);
      return null;
    }
    this.db.prepare("UPDATE editor_sessions SET last_seen_ms = ? WHERE token_sha256 = ?").run(now, hash);
    return { editorId: row.editor_id, name: row.name, csrfToken: row.csrf_token, tokenSha256: hash };
  }

  destroy(tokenSha256Hex: string): void {
    this.db.prepare("DELETE FROM editor_sessions WHERE token_sha256 = ?").run(tokenSha256Hex);
  }

  /** Drops expired rows so the table holds live sessions only. */
  sweep(): void {
    const now = this.now();
    this.db.prepare("DELETE FROM editor_sessions WHERE last_seen_ms < ? OR created_ms < ?").run(now - IDLE_TIMEOUT_MS, now - ABSOLUTE_TIMEOUT_MS);
  }
}
