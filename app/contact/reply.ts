/**
 * Replies from editors to a witness (ADR 0007): one SEIPDv1 message to the witness's encryption
 * subkey and to every active editor encryption subkey, bound to its thread by its literal-data
 * name. Isomorphic: the editor's browser and `testigo reply` write them, the witness's browser
 * and `testigo decrypt` read them, the server checks their shape.
 */
import { createMessage, decrypt, encrypt, readMessage, type PrivateKey, type PublicKey } from "openpgp";
import { newSessionKey, padJson } from "../envelope/encrypt";
import type { SubmissionId } from "../envelope/format";
import { FORMAT_ID } from "../envelope/format";
import { padme } from "../envelope/padding";
import { FIXED_PACKET_DATE, pgpConfig } from "../envelope/pgp-config";
import { MAX_REPLY_TEXT, REPLY_MIN_PADDED_SIZE, ReplyPlaintextSchema, replyLiteralName, type ReplyPlaintext } from "./format";

export async function encryptReply(args: {
  thread: SubmissionId;
  text: string;
  witnessKey: PublicKey;
  editorKeys: readonly PublicKey[];
}): Promise<Uint8Array> {
  if (args.text.length === 0) throw new Error("encryptReply: the reply is empty");
  if (args.text.length > MAX_REPLY_TEXT) throw new Error(`encryptReply: the reply is longer than ${MAX_REPLY_TEXT} characters`);
  // Editors must be able to read what they sent (and the server insists on their PKESKs).
  if (args.editorKeys.length === 0) throw new Error("encryptReply: no editor keys");
  const plaintext: ReplyPlaintext = ReplyPlaintextSchema.parse({ format: FORMAT_ID, kind: "reply", thread: args.thread, text: args.text });
  const message = await createMessage({
    // Padmé with a 4 KiB floor: a short "are you safe?" and a long question look alike.
    binary: padJson(plaintext, (n) => padme(Math.max(n, REPLY_MIN_PADDED_SIZE))),
    filename: replyLiteralName(args.thread),
    date: FIXED_PACKET_DATE,
    format: "binary",
  });
  return encrypt({
    message,
    encryptionKeys: [args.witnessKey, ...args.editorKeys],
    // An explicit AES-256 key is what makes OpenPGP.js write SEIPDv1, which GnuPG 2.2 reads.
    sessionKey: { data: newSessionKey(), algorithm: "aes256" },
    format: "binary",
    config: pgpConfig,
  });
}

export async function decryptReply(args: { thread: SubmissionId; message: Uint8Array; key: PrivateKey }): Promise<ReplyPlaintext> {
  return openReply(args.thread, () => decryptWith(args.message, { decryptionKeys: args.key }));
}

/**
 * Opens a reply with its session key, not a secret key: `testigo keys rewrap` proves the session
 * key it recovered really opens this reply (integrity check, thread binding, plaintext shape)
 * before wrapping it to the new editor keys, so a wrong key can never strand a reply.
 */
export async function decryptReplyWithSessionKey(args: { thread: SubmissionId; message: Uint8Array; sessionKey: Uint8Array }): Promise<ReplyPlaintext> {
  return openReply(args.thread, () => decryptWith(args.message, { sessionKeys: { data: args.sessionKey, algorithm: "aes256" } }));
}

async function decryptWith(
  bytes: Uint8Array,
  how: { decryptionKeys: PrivateKey } | { sessionKeys: { data: Uint8Array; algorithm: "aes256" } },
): Promise<{ data: Uint8Array; filename: string }> {
  const message = await readMessage({ binaryMessage: bytes, config: pgpConfig });
  const result = await decrypt({ message, ...how, format: "binary", config: pgpConfig });
  if (!(result.data instanceof Uint8Array)) throw new Error("decrypted data is not binary");
  return { data: result.data, filename: result.filename };
}

async function openReply(thread: SubmissionId, open: () => Promise<{ data: Uint8Array; filename: string }>): Promise<ReplyPlaintext> {
  let data: Uint8Array;
  let filename: string;
  try {
    ({ data, filename } = await open());
  } catch (error) {
    throw new Error(`reply could not be decrypted: ${error instanceof Error ? error.message : "unknown error"}`);
  }
  // A reply copied into another thread must not be shown there.
  const expected = replyLiteralName(thread);
  if (filename !== expected) throw new Error(`reply is bound to "${filename}", expected "${expected}"`);
  let json: unknown;
  try {
    // Trailing spaces are the padding; JSON.parse ignores them.
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(data));
  } catch {
    throw new Error("reply plaintext is not JSON");
  }
  const parsed = ReplyPlaintextSchema.safeParse(json);
  if (!parsed.success) throw new Error(`reply plaintext has the wrong shape: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  if (parsed.data.thread !== thread) throw new Error("reply names another thread");
  return parsed.data;
}

/** The exact PKESK key IDs the server demands of a reply: the witness's and every active editor's. */
export function replyRecipientKeyIds(witnessEncryptionKeyId: string, editorEncryptionKeyIds: ReadonlySet<string>): Set<string> {
  return new Set([witnessEncryptionKeyId, ...editorEncryptionKeyIds]);
}
