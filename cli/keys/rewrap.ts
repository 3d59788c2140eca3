/**
 * `keys rewrap HEADERS.tar --key OLD-SECRET.asc --keys-dir keys --out REWRAPPED.tar` (offline):
 * for every header and manifest in a headers file, recovers its session key with one of the old
 * secret keys and encrypts that same session key to the current keyring's active keys as new v3
 * PKESKs, followed by the original SEIPD packet, byte for byte. The encrypted content never
 * changes, so the manifest's commitments (which hash the SEIPD packet only) stay valid and the
 * chunks, encrypted with keys the headers name, stay readable.
 *
 * Editor replies (docs/adr/0007-two-way-contact.md) are rewrapped the same way, except that their
 * PKESK to the witness's key is kept byte for byte: this machine has no witness public key (the
 * headers file carries none, and the witness's key does not change with the editors'), and a
 * packet copied unchanged is one the server can prove was not tampered with.
 */
import { encryptSessionKey, type PrivateKey } from "openpgp";
import { decryptReplyWithSessionKey, replyRecipientKeyIds } from "../../app/contact/reply";
import { openPart, recoverSessionKey } from "../../app/envelope/decrypt";
import { parsePartName } from "../../app/envelope/format";
import { encryptedPacketOf } from "../../app/envelope/header-content";
import { inspectKeyedMessage, keyedPacketsOf } from "../../app/envelope/inspect";
import { pgpConfig } from "../../app/envelope/pgp-config";
import { verifyKeyring } from "../../app/keyring/verify";
import { HEADERS_FORMAT, entryName, readHeadersFile, replyEntryName, writeHeadersFile, type HeadersFile, type HeadersIndex } from "../../server/export/headers-file";
import { readKeyringBundle } from "../../server/keyring/files";
import { errorMessage, refuse } from "./errors";

export interface RewrapResult {
  version: number;
  rewrapped: number;
  /** Parts already encrypted to exactly the current keys (made after the rotation): left out. */
  alreadyCurrent: number;
  /** Editor replies re-encrypted to the current keys (the witness's PKESK kept as it was). */
  repliesRewrapped: number;
  /** Replies already encrypted to exactly the witness and the current keys: left out. */
  repliesAlreadyCurrent: number;
  /** `<id>/<part>: reason` (or `<thread>/replies/<id>.pgp: reason`) for everything left out. */
  failures: string[];
}

type Recipients = Parameters<typeof encryptSessionKey>[0]["encryptionKeys"];

export async function rewrapHeaders(args: {
  input: string;
  out: string;
  keysDir: string;
  keys: readonly PrivateKey[];
  rootFingerprint?: string;
}): Promise<RewrapResult> {
  // The keyring is checked exactly as the portal checks it: rewrapping to an unsigned or
  // tampered key list would hand the submissions to whoever edited it.
  let bundle;
  try {
    bundle = await readKeyringBundle(args.keysDir);
  } catch (error) {
    throw refuse(`cannot read the keyring in ${args.keysDir}: ${errorMessage(error)}`);
  }
  const verified = await verifyKeyring(bundle, { trustedRootFingerprint: args.rootFingerprint });
  if (!verified.ok) throw refuse(`keyring refused: ${verified.reason}`);
  const { recipients, encryptionKeyIds, document } = verified.keyring;

  const input: HeadersFile = await readHeadersFile(args.input);
  const doneReplies: NonNullable<HeadersIndex["replies"]> = [];
  const output: HeadersFile = {
    index: { format: HEADERS_FORMAT, rewrappedToVersion: document.version, submissions: [], replies: doneReplies },
    parts: new Map(),
    replies: new Map(),
  };
  const failures: string[] = [];
  let rewrapped = 0;
  let alreadyCurrent = 0;
  for (const s of input.index.submissions) {
    const done: string[] = [];
    for (const name of s.parts) {
      const key = entryName(s.id, name);
      const bytes = input.parts.get(key);
      const part = parsePartName(name);
      if (!bytes || !part) {
        failures.push(`${key}: missing or not a keyed part`);
        continue;
      }
      // Submissions made after the rotation are already encrypted to the current keys; an old key
      // cannot open them, and they need nothing.
      if ((await inspectKeyedMessage(bytes, encryptionKeyIds)).ok) {
        alreadyCurrent++;
        continue;
      }
      try {
        output.parts.set(key, await rewrapOne({ bytes, keys: args.keys, recipients, encryptionKeyIds, id: s.id, part }));
        done.push(name);
        rewrapped++;
      } catch (error) {
        failures.push(`${key}: ${errorMessage(error)}`);
      }
    }
    if (done.length > 0) output.index.submissions.push({ id: s.id, keyringVersion: s.keyringVersion, parts: done });
  }
  let repliesRewrapped = 0;
  let repliesAlreadyCurrent = 0;
  for (const r of input.index.replies ?? []) {
    const key = replyEntryName(r.thread, r.id);
    const bytes = input.replies.get(r.id);
    if (!bytes) {
      failures.push(`${key}: missing`);
      continue;
    }
    // Sent after the rotation, or already rewrapped: to the witness and the current keys only.
    if ((await inspectKeyedMessage(bytes, replyRecipientKeyIds(r.witnessKeyId, encryptionKeyIds))).ok) {
      repliesAlreadyCurrent++;
      continue;
    }
    try {
      output.replies.set(r.id, await rewrapReply({ bytes, keys: args.keys, recipients, encryptionKeyIds, thread: r.thread, witnessKeyId: r.witnessKeyId }));
      doneReplies.push(r);
      repliesRewrapped++;
    } catch (error) {
      failures.push(`${key}: ${errorMessage(error)}`);
    }
  }
  await writeHeadersFile(args.out, output);
  return { version: document.version, rewrapped, alreadyCurrent, repliesRewrapped, repliesAlreadyCurrent, failures };
}

/**
 * One reply: the witness's PKESK as it was, new PKESKs to the current editor keys, the SEIPD
 * packet as it was. The session key comes from one of the old editor keys' PKESKs and must open
 * the reply as a reply of this thread before anything is written.
 */
async function rewrapReply(args: {
  bytes: Uint8Array;
  keys: readonly PrivateKey[];
  recipients: Recipients;
  encryptionKeyIds: ReadonlySet<string>;
  thread: string;
  witnessKeyId: string;
}): Promise<Uint8Array> {
  const packets = await keyedPacketsOf(args.bytes);
  if (!packets.ok) throw new Error(`malformed (${packets.reason})`);
  const witness = packets.sessionKeys.filter((p) => p.keyId === args.witnessKeyId);
  const [witnessPacket] = witness;
  if (!witnessPacket || witness.length !== 1) {
    throw new Error(`expected exactly one session-key packet to the witness's key ${args.witnessKeyId}, found ${witness.length}`);
  }
  let sessionKey: Uint8Array;
  try {
    sessionKey = await recoverSessionKey(args.bytes, args.keys);
  } catch (error) {
    throw new Error(`none of the given secret keys opens it (${errorMessage(error)})`);
  }
  // As for headers: prove the key opens this very reply (MDC, thread binding, plaintext shape).
  await decryptReplyWithSessionKey({ thread: args.thread, message: args.bytes, sessionKey });
  const pkesks = await encryptSessionKey({
    data: sessionKey,
    algorithm: "aes256",
    encryptionKeys: args.recipients,
    format: "binary",
    config: pgpConfig,
  });
  // The witness's packet first, as `encryptReply` writes it.
  const out = new Uint8Array(witnessPacket.bytes.length + pkesks.length + packets.encrypted.length);
  out.set(witnessPacket.bytes, 0);
  out.set(pkesks, witnessPacket.bytes.length);
  out.set(packets.encrypted, witnessPacket.bytes.length + pkesks.length);
  const shape = await inspectKeyedMessage(out, replyRecipientKeyIds(args.witnessKeyId, args.encryptionKeyIds));
  if (!shape.ok) throw new Error(`the rewrapped reply would be refused: ${shape.reason}`);
  return out;
}

async function rewrapOne(args: {
  bytes: Uint8Array;
  keys: readonly PrivateKey[];
  recipients: Recipients;
  encryptionKeyIds: ReadonlySet<string>;
  id: string;
  part: NonNullable<ReturnType<typeof parsePartName>>;
}): Promise<Uint8Array> {
  const content = encryptedPacketOf(args.bytes);
  if (!content.ok) throw new Error(`malformed (${content.reason})`);
  let sessionKey: Uint8Array;
  try {
    sessionKey = await recoverSessionKey(args.bytes, args.keys);
  } catch (error) {
    throw new Error(`none of the given secret keys opens it (${errorMessage(error)})`);
  }
  // Prove the key really opens this part (MDC and literal-data binding), not merely that some
  // PKESK decrypted to 32 bytes: a wrong key wrapped to the new editors would strand the part.
  await openPart({ bytes: args.bytes, sessionKey, submissionId: args.id, part: args.part });
  const pkesks = await encryptSessionKey({
    data: sessionKey,
    algorithm: "aes256",
    encryptionKeys: args.recipients,
    format: "binary",
    config: pgpConfig,
  });
  const out = new Uint8Array(pkesks.length + content.bytes.length);
  out.set(pkesks, 0);
  out.set(content.bytes, pkesks.length);
  // What the server will check: one named v3 PKESK per current encryption subkey, then SEIPDv1.
  const shape = await inspectKeyedMessage(out, args.encryptionKeyIds);
  if (!shape.ok) throw new Error(`the rewrapped message would be refused: ${shape.reason}`);
  return out;
}
