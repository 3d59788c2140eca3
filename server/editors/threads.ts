/**
 * The editors' side of a thread (docs/adr/0007-two-way-contact.md): what the thread page shows,
 * and storing a reply an editor's browser (or `testigo reply`, offline) encrypted. The server
 * cannot read a reply; it checks that it is OpenPGP ciphertext to exactly the witness's
 * encryption subkey and every active editor encryption subkey, nothing else, and keeps it.
 */
import { MAX_REPLY_BYTES } from "../../app/contact/format";
import { replyRecipientKeyIds } from "../../app/contact/reply";
import { inspectKeyedMessage } from "../../app/envelope/inspect";
import { armorPublicKey } from "../contacts/armor";
import type { ThreadStore } from "../contacts/thread-store";
import type { KeyringStore } from "../keyring/keyring-store";
import { sha256Hex } from "../storage/submission-store";
import type { AuditLog } from "./audit";
import type { Inbox, InboxEntry } from "./inbox";

export interface ThreadDetails {
  entry: InboxEntry;
  followUps: InboxEntry[];
  replies: { id: string; day: string; size: number; editor: string | null }[];
  witnessPublicKey: string | null;
}

export type AddReplyResult =
  | { kind: "stored" | "unchanged"; id: string; day: string }
  | { kind: "not_found" }
  | { kind: "no_contact" }
  | { kind: "invalid"; message: string }
  | { kind: "too_large" };

export class ThreadDesk {
  constructor(
    private readonly inbox: Inbox,
    private readonly threads: ThreadStore,
    private readonly keyrings: KeyringStore,
    private readonly audit: AuditLog,
  ) {}

  details(id: string): ThreadDetails | null {
    const entry = this.inbox.entry(id);
    if (!entry) return null;
    const contact = this.threads.contactOf(id);
    return {
      entry,
      followUps: this.inbox.followUps(id),
      replies: this.threads.replyMeta(id).map((r) => ({ id: r.id, day: r.day, size: r.size, editor: r.editor })),
      witnessPublicKey: contact ? armorPublicKey(contact.publicKey) : null,
    };
  }

  async addReply(editor: string, threadId: string, bytes: Uint8Array): Promise<AddReplyResult> {
    if (bytes.length > MAX_REPLY_BYTES) return { kind: "too_large" };
    if (!this.inbox.entry(threadId)) return { kind: "not_found" };
    const contact = this.threads.contactOf(threadId);
    if (!contact) return { kind: "no_contact" };
    // The current keyring: a reply is written now, so it must reach every editor active now.
    const expected = replyRecipientKeyIds(contact.encryptionKeyId, this.keyrings.keyring.encryptionKeyIds);
    const shape = await inspectKeyedMessage(bytes, expected);
    if (!shape.ok) {
      return {
        kind: "invalid",
        message: `${shape.reason} (a reply must be encrypted to exactly the witness key ${contact.encryptionKeyId} and the active editor keys ${[...this.keyrings.keyring.encryptionKeyIds].sort().join(", ")})`,
      };
    }
    try {
      return this.threads.addReply({
        thread: threadId,
        bytes,
        sha256: sha256Hex(bytes),
        editor,
        withinTransaction: () => this.audit.record("reply", editor, threadId),
      });
    } catch (error) {
      // The thread was deleted while the shape check ran: its row is gone, so the insert failed.
      if (error instanceof Error && "code" in error && error.code === "SQLITE_CONSTRAINT_FOREIGNKEY") return { kind: "not_found" };
      throw error;
    }
  }
}
