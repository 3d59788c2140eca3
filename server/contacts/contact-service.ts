/**
 * The witness's side of two-way contact (docs/adr/0007-two-way-contact.md): register a codename's
 * contact record on a sealed submission, open the thread with the login verifier, link a
 * follow-up. Errors are values; the HTTP layer maps them (server/api/contact-api.ts), and adds
 * the proof of work and the time floor every login passes through.
 */
import { createHash } from "node:crypto";
import { checkWitnessKeys } from "../../app/codename/witness-key";
import {
  MAX_WITNESS_PUBLIC_KEY_BYTES,
  MAX_WITNESS_SECRET_KEY_BYTES,
  type ContactRegistration,
  type ThreadView,
} from "../../app/contact/format";
import type { SubmissionStore } from "../storage/submission-store";
import type { ChallengeBook } from "./challenges";
import type { LinkOutcome, RegisterOutcome, ThreadStore } from "./thread-store";

export type RegisterResult = { kind: Exclude<RegisterOutcome, "not_found"> } | { kind: "not_found" } | { kind: "invalid"; message: string };

/** What a login verifier found: a contact, or nothing (wrong, malformed and deleted alike). */
export type LinkResult = LinkOutcome | { kind: "unknown" };

const LOGIN = /^[0-9a-f]{64}$/;

/** The stored form of a login verifier: SHA-256 of its 32 bytes (a seized server holds no verifier). */
export function loginSha256(loginHex: string): string {
  return createHash("sha256").update(Buffer.from(loginHex, "hex")).digest("hex");
}

/** Strict base64: what Buffer.from would silently skip or truncate is refused instead. */
function decodeBase64(text: string): Uint8Array | null {
  const bytes = Buffer.from(text, "base64");
  if (bytes.length === 0 || bytes.toString("base64") !== text) return null;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const toBase64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");

export class ContactService {
  constructor(
    private readonly store: SubmissionStore,
    private readonly threads: ThreadStore,
    readonly challenges: ChallengeBook,
  ) {}

  async register(id: string, registration: ContactRegistration): Promise<RegisterResult> {
    // Cheap answer first: no key parsing for a submission that cannot take a contact.
    const status = this.store.status(id);
    if (!status || !status.sealed || status.threadId !== null) return { kind: "not_found" };
    const publicKey = decodeBase64(registration.publicKey);
    const secretKey = decodeBase64(registration.secretKey);
    if (!publicKey || !secretKey) return { kind: "invalid", message: "publicKey and secretKey must be canonical, non-empty base64" };
    if (publicKey.length > MAX_WITNESS_PUBLIC_KEY_BYTES || secretKey.length > MAX_WITNESS_SECRET_KEY_BYTES) {
      return { kind: "invalid", message: "a key is larger than a witness key can be" };
    }
    const checked = await checkWitnessKeys(publicKey, secretKey);
    if (!checked.ok) return { kind: "invalid", message: `the keys are not of the required shape: ${checked.reason}` };
    const outcome = this.threads.register({
      thread: id,
      loginSha256: loginSha256(registration.login),
      publicKey,
      secretKey,
      encryptionKeyId: checked.encryptionKeyId,
    });
    return { kind: outcome };
  }

  /**
   * The thread a login verifier opens, or null. Call only after a spent proof of work: a miss
   * counts as a failure and raises the difficulty for everyone.
   */
  open(login: string): ThreadView | null {
    const contact = this.contactFor(login);
    if (!contact) return null;
    return {
      thread: contact.thread,
      publicKey: toBase64(contact.publicKey),
      secretKey: toBase64(contact.secretKey),
      replies: this.threads.replies(contact.thread).map((r) => ({ id: r.id, day: r.day, message: toBase64(r.message) })),
      followUps: this.threads.followUps(contact.thread).flatMap((f) => (f.day === null ? [] : [{ id: f.id, day: f.day }])),
    };
  }

  /** Links a follow-up (before its seal) to the login's thread. Call only after a spent proof. */
  async link(login: string, submission: string): Promise<LinkResult> {
    const contact = this.contactFor(login);
    if (!contact) return { kind: "unknown" };
    return this.store.locked(submission, () => this.threads.link(submission, contact.thread));
  }

  private contactFor(login: string) {
    // The form is checked here, after the proof of work, so a malformed verifier costs the same
    // puzzle and gets the same answer as a wrong one.
    const contact = LOGIN.test(login) ? this.threads.contactByLogin(loginSha256(login)) : null;
    if (!contact) this.challenges.recordFailure();
    return contact;
  }
}
