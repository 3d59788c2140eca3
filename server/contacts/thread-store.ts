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

/** What key rotation needs of a reply: its message and the witness key it must stay readable by. */
const RewrapReplyRow = z.object({ id: z.string(), thread: z.string(), sha256: z.string(), witness_key_id: z.string(), message: Blob });
export interface ReplyForRewrap {
  id: string;
  thread: string;
  sha256: string;
  /** The witness's encryption subkey ID (the contact's), whose PKESK a rewrap keeps as it is. */
  witnessKeyId: string;
  message: Uint8Array;
}
const toReplyForRewrap = (r: z.infer<typeof RewrapReplyRow>): ReplyForRewrap => ({
  id: r.id,
  thread: r.thread,
  sha256: r.sha256,
  witnessKeyId: r.witness_key_id,
  message: r.message,
});
// A reply is stored only for a thread with a contact (ThreadDesk.addReply) and both go only with
// their thread (ON DELETE CASCADE), so the inner join drops no reply.
const REWRAP_SELECT = `SELECT r.id AS id, r.thread_id AS thread, r.sha256 AS sha256, c.encryption_key_id AS witness_key_id, r.message AS message
   FROM replies r JOIN contacts c ON c.submission_id = r.thread_id`;

export type ReplaceReplyOutcome = "replaced" | "unchanged" | "not_found" | "changed";

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

  /** Every reply (sent on or after `sinceDay`, if given), for `testigo export --headers-only`. */
  repliesForRewrap(options: { sinceDay?: string } = {}): ReplyForRewrap[] {
    return this.db
      .prepare(`${REWRAP_SELECT} WHERE r.day >= ? ORDER BY r.thread_id, r.seq`)
      .all(options.sinceDay ?? "0000-00-00")
      .map((row) => toReplyForRewrap(RewrapReplyRow.parse(row)));
  }

  replyForRewrap(id: string): ReplyForRewrap | null {
    const row = RewrapReplyRow.safeParse(this.db.prepare(`${REWRAP_SELECT} WHERE r.id = ?`).get(id));
    return row.success ? toReplyForRewrap(row.data) : null;
  }

  /**
   * Key rotation: replaces a reply's message with a rewrapped one the caller has checked against
   * the stored message whose hash is `checkedSha256`. One transaction: the row still holding
   * exactly the checked message (a compare-and-swap, since the check ran outside it, possibly in
   * another process than the portal) gets the new message, size and hash, and the replaced
   * message moves to `message_before_rewrap` until `dropMessagesBeforeRewrap`. A crash leaves the
   * reply wholly old or wholly new. A second rotation before the drop keeps the message it
   * replaced (the one the keys that made this rewrap are proven to open), not the oldest.
   */
  replaceReplyMessage(args: { id: string; checkedSha256: string; bytes: Uint8Array; sha256: string }): ReplaceReplyOutcome {
    return this.db.transaction((): ReplaceReplyOutcome => {
      const current = z.object({ sha256: z.string() }).safeParse(this.db.prepare("SELECT sha256 FROM replies WHERE id = ?").get(args.id));
      if (!current.success) return "not_found";
      if (current.data.sha256 === args.sha256) return "unchanged";
      if (current.data.sha256 !== args.checkedSha256) return "changed";
      this.db
        .prepare("UPDATE replies SET message_before_rewrap = message, message = ?, size = ?, sha256 = ? WHERE id = ?")
        .run(asBuffer(args.bytes), args.bytes.length, args.sha256, args.id);
      return "replaced";
    })();
  }

  /** `keys drop-old-headers`: forgets every reply's pre-rewrap message; returns those replies. */
  dropMessagesBeforeRewrap(): { id: string; thread: string }[] {
    const dropped = this.db.transaction(() => {
      const rows = this.db
        .prepare("SELECT id, thread_id AS thread FROM replies WHERE message_before_rewrap IS NOT NULL ORDER BY thread_id, seq")
        .all()
        .map((row) => z.object({ id: z.string(), thread: z.string() }).parse(row));
      this.db.prepare("UPDATE replies SET message_before_rewrap = NULL WHERE message_before_rewrap IS NOT NULL").run();
      return rows;
    })();
    // secure_delete zeroes the freed cells in the database file, but older copies of those pages
    // can wait in the write-ahead log; a later seizure must find no message the old key opens.
    if (dropped.length > 0) this.db.pragma("wal_checkpoint(TRUNCATE)");
    return dropped;
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
