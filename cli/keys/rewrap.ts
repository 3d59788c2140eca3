/**
 * `keys rewrap HEADERS.tar --key OLD-SECRET.asc --keys-dir keys --out REWRAPPED.tar` (offline):
 * for every header and manifest in a headers file, recovers its session key with one of the old
 * secret keys and encrypts that same session key to the current keyring's active keys as new v3
 * PKESKs, followed by the original SEIPD packet, byte for byte. The encrypted content never
 * changes, so the manifest's commitments (which hash the SEIPD packet only) stay valid and the
 * chunks, encrypted with keys the headers name, stay readable.
 */
import { encryptSessionKey, type PrivateKey } from "openpgp";
import { openPart, recoverSessionKey } from "../../app/envelope/decrypt";
import { parsePartName } from "../../app/envelope/format";
import { encryptedPacketOf } from "../../app/envelope/header-content";
import { inspectKeyedMessage } from "../../app/envelope/inspect";
import { pgpConfig } from "../../app/envelope/pgp-config";
import { verifyKeyring } from "../../app/keyring/verify";
import { HEADERS_FORMAT, entryName, readHeadersFile, writeHeadersFile, type HeadersFile } from "../../server/export/headers-file";
import { readKeyringBundle } from "../../server/keyring/files";
import { errorMessage, refuse } from "./errors";

export interface RewrapResult {
  version: number;
  rewrapped: number;
  /** Parts already encrypted to exactly the current keys (made after the rotation): left out. */
  alreadyCurrent: number;
  /** `<id>/<part>: reason` for every part left out of the output. */
  failures: string[];
}

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
  const output: HeadersFile = { index: { format: HEADERS_FORMAT, rewrappedToVersion: document.version, submissions: [] }, parts: new Map() };
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
  await writeHeadersFile(args.out, output);
  return { version: document.version, rewrapped, alreadyCurrent, failures };
}

async function rewrapOne(args: {
  bytes: Uint8Array;
  keys: readonly PrivateKey[];
  recipients: Parameters<typeof encryptSessionKey>[0]["encryptionKeys"];
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
