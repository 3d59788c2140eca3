/**
 * Replies from editors to a witness (ADR 0007): one SEIPDv1 message to the witness's encryption
 * subkey and to every active editor encryption subkey, bound to its thread by its literal-data
 * name. Isomorphic: the editor's browser and `testigo reply` write them, the witness's browser
 * and `testigo decrypt` read them, the server checks their shape.
 */
import { createMessage, decrypt, encrypt, readMessage, type Key, type PrivateKey, type PublicKey } from "openpgp";
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
  /**
   * An unlocked editor secret key (`testigo reply --sign-key`, offline only): the reply is then
   * signed inside the encryption, so the witness's page can tell it from one a seized server
   * wrote with the witness's public key. Browser-written replies have no such key.
   */
  signingKey?: PrivateKey;
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
  const encryptionKeys = [args.witnessKey, ...args.editorKeys];
  return encrypt({
    message,
    encryptionKeys,
    ...(args.signingKey
      ? {
          signingKeys: args.signingKey,
          // The signature's creation time is inside the encryption, but the witness's phone and
          // every editor's copy hold it in the clear: the exact minute a reply was written could
          // tie an editor's offline session to other traces. A verifier needs a real time
          // (not in the future, not before the key), so the start of the current UTC day is used:
          // the same granularity as the reply's day the server already shows. The literal data
          // keeps FIXED_PACKET_DATE. The date also decides which keys count as valid, so it is
          // never earlier than any key or self-signature involved (public facts of those keys).
          date: signatureDay([args.signingKey, ...encryptionKeys]),
        }
      : {}),
    // An explicit AES-256 key is what makes OpenPGP.js write SEIPDv1, which GnuPG 2.2 reads.
    sessionKey: { data: newSessionKey(), algorithm: "aes256" },
    format: "binary",
    config: pgpConfig,
  });
}

/** The start of the UTC day of `now`, or the newest creation time among the keys if later. */
export function signatureDay(keys: readonly Key[], now: Date = new Date()): Date {
  let newest = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const at = (d: Date | null | undefined) => {
    if (d) newest = Math.max(newest, d.getTime());
  };
  for (const key of keys) {
    at(key.getCreationTime());
    for (const user of key.users) for (const sig of user.selfCertifications) at(sig.created);
    for (const sub of key.subkeys) {
      at(sub.getCreationTime());
      for (const sig of sub.bindingSignatures) at(sig.created);
    }
  }
  // Never later than now: a signature from the future does not verify.
  return new Date(Math.min(newest, now.getTime()));
}

/**
 * A decrypted reply and who signed it.
 * - `signedBy`: the primary fingerprint (uppercase hex) of the verification key whose signature
 *   verified; null when the reply carries no signature, or (only when no verificationKeys were
 *   passed) when its signature was not checked.
 * - `signed`: the reply carries a signature. `signed && signedBy === null` happens only when the
 *   caller passed no verificationKeys (the editor's `testigo decrypt` without --keys, `keys
 *   rewrap`): the caller chose not to check and must say so rather than call it unsigned.
 */
export interface OpenedReply extends ReplyPlaintext {
  signedBy: string | null;
  signed: boolean;
}

/**
 * With `verificationKeys` (the witness's page always passes the verified keyring's editor keys),
 * a signed reply must verify against one of them or this throws: a reply claiming a signature it
 * cannot prove is refused, never shown as unsigned. An unsigned reply opens with signedBy null.
 * Without `verificationKeys` signatures are not checked (see OpenedReply.signed).
 */
export async function decryptReply(args: {
  thread: SubmissionId;
  message: Uint8Array;
  key: PrivateKey;
  verificationKeys?: readonly PublicKey[];
}): Promise<OpenedReply> {
  return openReply(args.thread, () => decryptWith(args.message, { decryptionKeys: args.key }, args.verificationKeys));
}

/**
 * Opens a reply with its session key, not a secret key: `testigo keys rewrap` proves the session
 * key it recovered really opens this reply (integrity check, thread binding, plaintext shape)
 * before wrapping it to the new editor keys, so a wrong key can never strand a reply.
 */
export async function decryptReplyWithSessionKey(args: {
  thread: SubmissionId;
  message: Uint8Array;
  sessionKey: Uint8Array;
  verificationKeys?: readonly PublicKey[];
}): Promise<OpenedReply> {
  return openReply(args.thread, () => decryptWith(args.message, { sessionKeys: { data: args.sessionKey, algorithm: "aes256" } }, args.verificationKeys));
}

interface Decrypted {
  data: Uint8Array;
  filename: string;
  signed: boolean;
  signedBy: string | null;
}

async function decryptWith(
  bytes: Uint8Array,
  how: { decryptionKeys: PrivateKey } | { sessionKeys: { data: Uint8Array; algorithm: "aes256" } },
  verificationKeys: readonly PublicKey[] | undefined,
): Promise<Decrypted> {
  const message = await readMessage({ binaryMessage: bytes, config: pgpConfig });
  const result = await decrypt({ message, ...how, verificationKeys: verificationKeys ? [...verificationKeys] : [], format: "binary", config: pgpConfig });
  if (!(result.data instanceof Uint8Array)) throw new Error("decrypted data is not binary");
  const signed = result.signatures.length > 0;
  // OpenPGP.js starts every check at once; a rejection not awaited below (unchecked mode, or a
  // later signature after an earlier one failed) must not surface as an unhandled rejection.
  for (const signature of result.signatures) {
    signature.verified.catch(() => undefined);
    signature.signature.catch(() => undefined);
  }
  if (!signed || verificationKeys === undefined) return { data: result.data, filename: result.filename, signed, signedBy: null };
  // Every signature must verify: one good signature next to a bad one is still a message someone
  // tampered with, and the page would otherwise vouch for text it cannot attribute.
  let signedBy: string | null = null;
  for (const signature of result.signatures) {
    try {
      await signature.verified;
    } catch (error) {
      throw new Error(`the reply's signature does not verify against the editors' keys (${error instanceof Error ? error.message : "unknown error"})`);
    }
    const signer = verificationKeys.find((key) => key.getKeyIDs().some((id) => id.equals(signature.keyID)));
    if (!signer) throw new Error("the reply is signed by a key that is not among the editors' keys");
    signedBy ??= signer.getFingerprint().toUpperCase();
  }
  return { data: result.data, filename: result.filename, signed, signedBy };
}

async function openReply(thread: SubmissionId, open: () => Promise<Decrypted>): Promise<OpenedReply> {
  let data: Uint8Array;
  let filename: string;
  let signed: boolean;
  let signedBy: string | null;
  try {
    ({ data, filename, signed, signedBy } = await open());
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
  return { ...parsed.data, signed, signedBy };
}

/** The exact PKESK key IDs the server demands of a reply: the witness's and every active editor's. */
export function replyRecipientKeyIds(witnessEncryptionKeyId: string, editorEncryptionKeyIds: ReadonlySet<string>): Set<string> {
  return new Set([witnessEncryptionKeyId, ...editorEncryptionKeyIds]);
}
