/**
 * The rows of two-way contact: contact records, replies, and the links from follow-ups to their
 * thread's root (docs/adr/0007-two-way-contact.md). SQL only; the use cases (who may do what)
 * live in the witness service and the editor portal. Every write is one synchronous
 * better-sqlite3 transaction, so its checks and its write cannot interleave with another request.
 */
import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { Db } from "../storage/db";
import { utcDay } from "../storage/day";

const Blob = z.instanceof(Uint8Array).transform((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength));

const ContactRow = z.object({
  submission_id: z.string(),
  login_sha256: z.string(),
  public_key: Blob,
  secret_key: Blob,
  encryption_key_id: z.string(),
  created_day: z.string(),
});

export interface Contact {
  thread: string;
  loginSha256: string;
  publicKey: Uint8Array;
  secretKey: Uint8Array;
  encryptionKeyId: string;
  createdDay: string;
}

const toContact = (r: z.infer<typeof ContactRow>): Contact => ({
  thread: r.submission_id,
  loginSha256: r.login_sha256,
  publicKey: r.public_key,
  secretKey: r.secret_key,
  encryptionKeyId: r.encryption_key_id,
  createdDay: r.created_day,
});

const ReplyMetaRow = z.object({ id: z.string(), day: z.string(), size: z.number().int(), sha256: z.string(), editor: z.string().nullable() });
const ReplyRow = ReplyMetaRow.extend({ message: Blob });
export type ReplyMeta = z.infer<typeof ReplyMetaRow>;
export type StoredReply = z.infer<typeof ReplyRow>;

const FollowUpRow = z.object({ id: z.string(), sealed_day: z.string().nullable() });
const SubmissionFacts = z.object({ sealed_day: z.string().nullable(), thread_id: z.string().nullable(), parts: z.number().int() });

export type RegisterOutcome = "created" | "unchanged" | "conflict" | "not_found";

export type LinkOutcome =
  | { kind: "linked" }
  | { kind: "not_found" }
  | { kind: "conflict"; message: string };

export type ReplyOutcome = { kind: "stored" | "unchanged"; id: string; day: string };

/** better-sqlite3 binds Buffers as BLOBs; a view, not a copy. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

export class ThreadStore {
  constructor(private readonly db: Db) {}

  contactOf(thread: string): Contact | null {
    const row = ContactRow.safeParse(this.db.prepare("SELECT * FROM contacts WHERE submission_id = ?").get(thread));
    return row.success ? toContact(row.data) : null;
  }

  contactByLogin(loginSha256: string): Contact | null {
    const row = ContactRow.safeParse(this.db.prepare("SELECT * FROM contacts WHERE login_sha256 = ?").get(loginSha256));
    return row.success ? toContact(row.data) : null;
  }

  /**
   * Stores a contact for a sealed root submission. The same registration again is "unchanged";
   * another one for this submission, or this login on another submission, is a "conflict".
   */
  register(contact: Omit<Contact, "createdDay">): RegisterOutcome {
    return this.db.transaction((): RegisterOutcome => {
      const facts = this.facts(contact.thread);
      if (!facts || facts.sealed_day === null || facts.thread_id !== null) return "not_found";
      const existing = this.contactOf(contact.thread);
      if (existing) {
        const same =
          existing.loginSha256 === contact.loginSha256 && sameBytes(existing.publicKey, contact.publicKey) && sameBytes(existing.secretKey, contact.secretKey);
        return same ? "unchanged" : "conflict";
      }
      if (this.contactByLogin(contact.loginSha256)) return "conflict";
      this.db
        .prepare(
          `INSERT INTO contacts (submission_id, login_sha256, public_key, secret_key, encryption_key_id, created_day)
           VALUES (?, ?, ?, ?, ?, ?)`,
        )
        .run(contact.thread, contact.loginSha256, asBuffer(contact.publicKey), asBuffer(contact.secretKey), contact.encryptionKeyId, utcDay());
      return "created";
    })();
  }

  private facts(id: string): z.infer<typeof SubmissionFacts> | null {
    const row = SubmissionFacts.safeParse(
      this.db
        .prepare("SELECT sealed_day, thread_id, (SELECT count(*) FROM parts WHERE submission_id = s.id) AS parts FROM submissions s WHERE id = ?")
        .get(id),
    );
    return row.success ? row.data : null;
  }

  /**
   * Links an unsealed submission to a thread. The caller holds the submission's store lock, so a
   * seal cannot slip in between this check and the write. Linking again to the same thread is a
   * success (a retry), sealed or not.
   */
  link(followUp: string, thread: string): LinkOutcome {
    return this.db.transaction((): LinkOutcome => {
      if (followUp === thread) return { kind: "conflict", message: "a submission cannot be a follow-up of its own thread" };
      const facts = this.facts(followUp);
      if (!facts || facts.parts === 0) return { kind: "not_found" };
      if (facts.thread_id === thread) return { kind: "linked" };
      if (facts.thread_id !== null) return { kind: "conflict", message: "the submission already belongs to another conversation" };
      if (facts.sealed_day !== null) return { kind: "conflict", message: "the submission is sealed; link it before sealing" };
      if (this.contactOf(followUp) || this.db.prepare("SELECT 1 FROM submissions WHERE thread_id = ? LIMIT 1").get(followUp) !== undefined) {
        return { kind: "conflict", message: "the submission is the first of a conversation of its own" };
      }
      const rootFacts = this.facts(thread);
      if (!rootFacts || rootFacts.sealed_day === null || rootFacts.thread_id !== null) return { kind: "conflict", message: "the conversation cannot take follow-ups" };
      this.db
        .prepare(
          `UPDATE submissions SET thread_id = ?,
             thread_seq = (SELECT coalesce(max(thread_seq), 0) + 1 FROM submissions WHERE thread_id = ?)
           WHERE id = ?`,
        )
        .run(thread, thread, followUp);
      return { kind: "linked" };
    })();
  }

  /** The thread's follow-ups in link order; sealed ones only unless asked otherwise. */
  followUps(thread: string, options: { includeUnsealed?: boolean } = {}): { id: string; day: string | null }[] {
    return this.db
      .prepare(
        `SELECT id, sealed_day FROM submissions WHERE thread_id = ?${options.includeUnsealed ? "" : " AND sealed_day IS NOT NULL"}
         ORDER BY thread_seq, id`,
      )
      .all(thread)
      .map((row) => {
        const r = FollowUpRow.parse(row);
        return { id: r.id, day: r.sealed_day };
      });
  }

  /** The thread a submission was linked to, or null for a root (or an unknown id). */
  threadOf(id: string): string | null {
    return this.facts(id)?.thread_id ?? null;
  }

  replies(thread: string): StoredReply[] {
    return this.db
      .prepare("SELECT id, day, size, sha256, editor, message FROM replies WHERE thread_id = ? ORDER BY seq")
      .all(thread)
      .map((row) => ReplyRow.parse(row));
  }

  replyMeta(thread: string): ReplyMeta[] {
    return this.db
      .prepare("SELECT id, day, size, sha256, editor FROM replies WHERE thread_id = ? ORDER BY seq")
      .all(thread)
      .map((row) => ReplyMetaRow.parse(row));
  }

  /**
   * Stores a reply, idempotent on its SHA-256 within the thread. `withinTransaction` (the audit
   * line) commits with the reply or not at all. The thread must still exist when this runs (its
   * row is a foreign key): the caller checked, and a deletion in between fails the insert.
   */
  addReply(args: { thread: string; bytes: Uint8Array; sha256: string; editor: string; withinTransaction: (id: string) => void }): ReplyOutcome {
    return this.db.transaction((): ReplyOutcome => {
      const existing = z
        .object({ id: z.string(), day: z.string() })
        .safeParse(this.db.prepare("SELECT id, day FROM replies WHERE thread_id = ? AND sha256 = ?").get(args.thread, args.sha256));
      if (existing.success) return { kind: "unchanged", ...existing.data };
      const id = randomBytes(16).toString("hex");
      const day = utcDay();
      this.db
        .prepare(
          `INSERT INTO replies (id, thread_id, seq, day, size, sha256, editor, message)
           VALUES (?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM replies WHERE thread_id = ?), ?, ?, ?, ?, ?)`,
        )
        .run(id, args.thread, args.thread, day, args.bytes.length, args.sha256, args.editor, asBuffer(args.bytes));
      args.withinTransaction(id);
      return { kind: "stored", id, day };
    })();
  }
}
