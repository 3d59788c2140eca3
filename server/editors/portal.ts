/**
 * The editor interface's server side, as one object the Express host builds at start and hands
 * to Remix loaders and actions in the load context (context.editor). Route modules import only
 * its type: all logic and all state (the throttle, the database) stay in the host's copy.
 */
import type { KeyringBundle } from "../../app/keyring/document";
import type { ThreadStore } from "../contacts/thread-store";
import type { KeyringStore } from "../keyring/keyring-store";
import type { Db } from "../storage/db";
import type { SubmissionStore } from "../storage/submission-store";
import { EditorAccounts } from "./accounts";
import { AuditLog } from "./audit";
import { isSameOrigin, tokensEqual, type RequestFacts } from "./csrf";
import { Inbox, type InboxEntry } from "./inbox";
import { PasswordVerifier, normalizePassword, passwordTooLong } from "./passwords";
import {
  EditorSessions,
  LOGIN_COOKIE,
  SESSION_COOKIE,
  clearedLoginCookie,
  clearedSessionCookie,
  loginCookie,
  newToken,
  readCookie,
  sessionCookie,
  tokenSha256,
  type EditorSession,
} from "./sessions";
import type { EditorSettings } from "./settings";
import { LoginThrottle } from "./throttle";
import { ThreadDesk, type AddReplyResult, type ThreadDetails } from "./threads";
import { matchingStep } from "./totp";

export type { RequestFacts } from "./csrf";
export type { EditorSession } from "./sessions";
export type { InboxEntry } from "./inbox";
export type { AddReplyResult, ThreadDetails } from "./threads";

export interface LoginInput {
  name: string;
  password: string;
  code: string;
  csrf: string;
}

/** "failed" is the one answer for every wrong credential; "forbidden" is a CSRF refusal. */
export type LoginOutcome = { kind: "ok"; setCookies: string[] } | { kind: "failed" } | { kind: "forbidden" };

export interface EditorPortal {
  readonly demo: boolean;
  /** The request's live session (its idle clock restarted), or null. */
  session(facts: RequestFacts): EditorSession | null;
  /** The origin layer of the CSRF check. */
  sameOrigin(facts: RequestFacts): boolean;
  /** The token layer of the CSRF check, in constant time. */
  tokenMatches(session: EditorSession, given: string): boolean;
  /** The login form's CSRF token, and the cookie to set when the browser has none yet. */
  loginForm(facts: RequestFacts): { csrf: string; setCookie: string | null };
  login(facts: RequestFacts, input: LoginInput): Promise<LoginOutcome>;
  /** Ends the session; returns the Set-Cookie values that clear it in the browser. */
  logout(session: EditorSession): string[];
  /** Thread roots (a witness's first sealed submission), most recent activity first. */
  inbox(): InboxEntry[];
  /** A sealed thread root, or null (absent, unsealed and follow-up ids alike). */
  submission(id: string): InboxEntry | null;
  /** Ids of sealed submissions (roots and follow-ups) no editor has downloaded yet. */
  newSubmissionIds(): string[];
  /** Deletes a thread root with all of its thread (follow-ups, replies, contact); false for anything else. */
  deleteSubmission(session: EditorSession, id: string): Promise<boolean>;
  /** After a bundle was sent whole. */
  recordDownload(session: EditorSession, ids: readonly string[]): void;
  /** null unless id is a sealed thread root. */
  thread(id: string): ThreadDetails | null;
  /** Stores a reply the editor's browser encrypted (checked for its recipients, never read). */
  addReply(session: EditorSession, threadId: string, bytes: Uint8Array): Promise<AddReplyResult>;
  /** The current signed keyring bundle, for the editor's browser to encrypt replies to every editor. */
  keyringBundle(): KeyringBundle;
}

class EditorPortalService implements EditorPortal {
  private readonly accounts: EditorAccounts;
  private readonly sessions: EditorSessions;
  private readonly audit: AuditLog;
  private readonly inboxView: Inbox;
  private readonly desk: ThreadDesk;
  private readonly throttle = new LoginThrottle();

  constructor(
    db: Db,
    private readonly store: SubmissionStore,
    threads: ThreadStore,
    private readonly keyrings: KeyringStore,
    private readonly passwords: PasswordVerifier,
    private readonly settings: EditorSettings,
    readonly demo: boolean,
    private readonly now: () => number,
  ) {
    this.accounts = new EditorAccounts(db);
    this.sessions = new EditorSessions(db, now);
    this.audit = new AuditLog(db);
    this.inboxView = new Inbox(db, this.audit);
    this.desk = new ThreadDesk(this.inboxView, threads, keyrings, this.audit);
  }

  session(facts: RequestFacts): EditorSession | null {
    return this.sessions.lookup(readCookie(facts.cookie, SESSION_COOKIE));
  }

  sameOrigin(facts: RequestFacts): boolean {
    return isSameOrigin(facts, this.settings.expectedOrigin);
  }

  tokenMatches(session: EditorSession, given: string): boolean {
    return tokensEqual(session.csrfToken, given);
  }

  loginForm(facts: RequestFacts): { csrf: string; setCookie: string | null } {
    const existing = readCookie(facts.cookie, LOGIN_COOKIE);
    // Reuse the browser's token so two open login tabs both work.
    if (existing) return { csrf: existing, setCookie: null };
    const token = newToken();
    return { csrf: token, setCookie: loginCookie(token) };
  }

  /**
   * Order matters. CSRF first (nothing else happens for a forged form). An oversize password is
   * refused before anything is hashed. Then the per-name throttle, before the account lookup, so
   * unknown names are throttled exactly like real ones. Then one Argon2 verification whatever the
   * case (unknown name, disabled account, wrong password, wrong code), so the time taken does not
   * tell them apart; and the same answer for all.
   */
  async login(facts: RequestFacts, input: LoginInput): Promise<LoginOutcome> {
    const loginToken = readCookie(facts.cookie, LOGIN_COOKIE);
    if (!this.sameOrigin(facts) || loginToken === null || !tokensEqual(loginToken, input.csrf)) return { kind: "forbidden" };
    const failed: LoginOutcome = { kind: "failed" };
    const password = normalizePassword(input.password);
    if (passwordTooLong(password)) return failed;
    const key = input.name.trim().toLowerCase();
    const slot = this.throttle.acquire(key, this.now());
    if (!slot) return failed;
    const account = this.accounts.byName(key);
    if (!account) {
      await this.passwords.verifyUnknown(password);
      return failed;
    }
    const passwordOk = await this.passwords.verify(account.passwordHash, password);
    const step = matchingStep(account.totpSecret, input.code.replace(/\s+/g, ""), this.now());
    if (passwordOk && !account.disabled && step !== null && this.accounts.claimTotpStep(account.id, step)) {
      this.throttle.release(slot);
      // Whatever session id the browser brought ends here; the new one is ours alone.
      const previous = readCookie(facts.cookie, SESSION_COOKIE);
      if (previous) this.sessions.destroy(tokenSha256(previous));
      this.sessions.sweep();
      const token = this.sessions.create(account.id);
      this.audit.record("login_ok", account.name);
      return { kind: "ok", setCookies: [sessionCookie(token), clearedLoginCookie()] };
    }
    this.audit.record("login_failed", account.name);
    return failed;
  }

  logout(session: EditorSession): string[] {
    this.sessions.destroy(session.tokenSha256);
    this.audit.record("logout", session.name);
    return [clearedSessionCookie()];
  }

  inbox(): InboxEntry[] {
    return this.inboxView.list();
  }

  submission(id: string): InboxEntry | null {
    return this.inboxView.entry(id);
  }

  newSubmissionIds(): string[] {
    return this.inboxView.newIds();
  }

  async deleteSubmission(session: EditorSession, id: string): Promise<boolean> {
    // One audit line per submission removed (root first): each id an editor may have downloaded
    // keeps a record of who deleted it.
    return this.store.deleteThread(id, {
      withinTransaction: (ids) => {
        for (const removed of ids) this.audit.record("delete", session.name, removed);
      },
    });
  }

  recordDownload(session: EditorSession, ids: readonly string[]): void {
    this.inboxView.recordDownload(session, ids);
  }

  thread(id: string): ThreadDetails | null {
    return this.desk.details(id);
  }

  addReply(session: EditorSession, threadId: string, bytes: Uint8Array): Promise<AddReplyResult> {
    return this.desk.addReply(session.name, threadId, bytes);
  }

  keyringBundle(): KeyringBundle {
    return this.keyrings.bundle;
  }
}

export async function createEditorPortal(deps: {
  db: Db;
  store: SubmissionStore;
  threads: ThreadStore;
  keyrings: KeyringStore;
  settings: EditorSettings;
  demo: boolean;
  now?: () => number;
}): Promise<EditorPortal> {
  return new EditorPortalService(
    deps.db,
    deps.store,
    deps.threads,
    deps.keyrings,
    await PasswordVerifier.create(),
    deps.settings,
    deps.demo,
    deps.now ?? Date.now,
  );
}
