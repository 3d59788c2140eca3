/**
 * The thread page's reply, in the editor's browser (docs/adr/0007-two-way-contact.md): verify the
 * keyring the page carries, encrypt the typed text to the witness and to every active editor key
 * (app/contact/reply.ts), and POST only the ciphertext. The plaintext never leaves this module
 * except inside the encryption. Also sends a reply prepared offline with `testigo reply`.
 */
import { readKey } from "openpgp";
import { z } from "zod";
import { MAX_REPLY_BYTES } from "~/contact/format";
import { encryptReply } from "~/contact/reply";
import type { SubmissionId } from "~/envelope/format";
import { pgpConfig } from "~/envelope/pgp-config";
import type { KeyringBundle } from "~/keyring/document";
import { verifyKeyring } from "~/keyring/verify";
import { pinnedRoot } from "~/submit/keyring.client";

/** A failure worded for the editor, shown as is. */
export class ReplyError extends Error {
  override name = "ReplyError";
}

const ErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }).passthrough() });

/** created: stored now (201); unchanged: the portal already had this very reply (200). */
export type SendOutcome = "created" | "unchanged";

/**
 * The root key the keyring must be signed by: the one built into this code if any (a seized server
 * cannot change it without changing the code it serves), else the one the page names. Only when
 * neither exists (a demo portal) is the keyring checked against its own root alone, as the
 * witness's page does (app/submit/keyring.client.ts).
 */
function trustedRoot(pageFingerprint: string): string | null {
  const page = /^[0-9A-F]{40}$/.test(pageFingerprint) ? pageFingerprint : null;
  const pinned = pinnedRoot();
  if (pinned !== null && page !== null && pinned !== page) {
    throw new ReplyError(`Refused: the page names root key ${page}, but this page's code is built for root key ${pinned}. Nothing was sent.`);
  }
  return pinned ?? page;
}

export async function encryptReplyInBrowser(args: {
  thread: SubmissionId;
  text: string;
  /** Armored public key of the witness, from the page. */
  witnessPublicKey: string;
  keyring: KeyringBundle;
  /** Root fingerprint from the load context (40 uppercase hex), or "" when none is configured. */
  rootFingerprint: string;
}): Promise<Uint8Array> {
  const trusted = trustedRoot(args.rootFingerprint);
  const verified = await verifyKeyring(args.keyring, trusted !== null ? { trustedRootFingerprint: trusted } : {});
  if (!verified.ok) throw new ReplyError(`The editors' keyring was refused (${verified.reason}). Nothing was sent.`);
  let witnessKey;
  try {
    witnessKey = await readKey({ armoredKey: args.witnessPublicKey, config: pgpConfig });
  } catch {
    throw new ReplyError("The witness's public key cannot be read. Nothing was sent.");
  }
  if (witnessKey.isPrivate()) throw new ReplyError("The page carried a secret key instead of the witness's public key. Nothing was sent.");
  try {
    return await encryptReply({ thread: args.thread, text: args.text, witnessKey, editorKeys: verified.keyring.recipients });
  } catch (error) {
    throw new ReplyError(`The reply could not be encrypted (${error instanceof Error ? error.message : "unknown error"}). Nothing was sent.`);
  }
}

async function readJson(res: Response): Promise<unknown> {
  try {
    return await res.json();
  } catch {
    return null;
  }
}

/**
 * POST the encrypted reply. Same origin, with the session cookie (HttpOnly, so this code never
 * sees it) and the page's CSRF token in a header; the body is the ciphertext and nothing else.
 */
export async function sendReply(args: { thread: SubmissionId; body: Uint8Array; csrf: string }): Promise<SendOutcome> {
  if (args.body.length > MAX_REPLY_BYTES) throw new ReplyError(`The reply file is larger than ${MAX_REPLY_BYTES} bytes; it cannot be a Testigo reply.`);
  let res: Response;
  try {
    res = await globalThis.fetch(`/editor/submissions/${args.thread}/replies`, {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      headers: { "Content-Type": "application/octet-stream", "X-CSRF-Token": args.csrf },
      body: new Uint8Array(args.body),
    });
  } catch {
    throw new ReplyError("The portal could not be reached. Check the connection and send again: the same reply is not stored twice.");
  }
  if (res.status === 201) return "created";
  if (res.status === 200) return "unchanged";
  const error = ErrorSchema.safeParse(await readJson(res));
  if (error.success) throw new ReplyError(`Refused by the portal (${res.status}, ${error.data.error.code}): ${error.data.error.message}`);
  if (res.status === 401) throw new ReplyError("Your session has ended. Log in again, then send the reply again.");
  if (res.status === 403) throw new ReplyError("Refused (403): reload the page and send again.");
  throw new ReplyError(`Refused by the portal (${res.status}).`);
}

/** A reply file made offline with `testigo reply`: read here, sent as it is. */
export async function readReplyFile(file: File): Promise<Uint8Array> {
  if (file.size === 0) throw new ReplyError("The chosen file is empty.");
  if (file.size > MAX_REPLY_BYTES) throw new ReplyError(`The chosen file is larger than ${MAX_REPLY_BYTES} bytes; it cannot be a Testigo reply.`);
  return new Uint8Array(await file.arrayBuffer());
}

export function describeFailure(error: unknown): string {
  if (error instanceof ReplyError) return error.message;
  return `Something went wrong: ${error instanceof Error ? error.message : "unknown error"}. Nothing may have been sent; try again.`;
}
