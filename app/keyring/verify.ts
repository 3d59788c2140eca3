/**
 * Verify a keyring bundle: the document's detached signature by the root key, the root key's
 * fingerprint against the one the caller trusts, and the key policy for every active key. The
 * server runs this at start and on every reload; the witness's browser runs it before encrypting.
 */
import { createMessage, readKey, readSignature, verify, type PublicKey } from "openpgp";
import { pgpConfig } from "../envelope/pgp-config";
import { KeyringDocumentSchema, type KeyringBundle, type KeyringDocument } from "./document";
import { checkKeyPolicy } from "./policy";

export interface VerifiedKeyring {
  document: KeyringDocument;
  /** Public keys of the active editors, in document order: every submission is encrypted to them. */
  recipients: PublicKey[];
  /** Key IDs (16 hex) of the active editors' encryption subkeys: what a header's PKESKs must name. */
  encryptionKeyIds: Set<string>;
  warnings: string[];
}

/**
 * Does this armored detached signature, by `signer`, cover exactly the bytes of `document`?
 * Binary, as server/keyring/sign.ts signs: any difference, even in line endings, is refused.
 */
export async function signatureCovers(document: string, armoredSignature: string, signer: PublicKey): Promise<boolean> {
  try {
    const signature = await readSignature({ armoredSignature, config: pgpConfig });
    const message = await createMessage({ binary: new TextEncoder().encode(document) });
    const result = await verify({ message, signature, verificationKeys: signer, expectSigned: true, config: pgpConfig });
    await result.signatures[0]?.verified;
    return true;
  } catch {
    return false;
  }
}

export type KeyringResult = { ok: true; keyring: VerifiedKeyring } | { ok: false; reason: string };

export async function verifyKeyring(
  bundle: KeyringBundle,
  options: { trustedRootFingerprint?: string; now?: Date } = {},
): Promise<KeyringResult> {
  const fail = (reason: string): KeyringResult => ({ ok: false, reason });
  let rootKey: PublicKey;
  try {
    rootKey = await readKey({ armoredKey: bundle.rootKey, config: pgpConfig });
  } catch {
    return fail("the root public key cannot be read");
  }
  const rootFpr = rootKey.getFingerprint().toUpperCase();
  if (options.trustedRootFingerprint && rootFpr !== options.trustedRootFingerprint.toUpperCase()) {
    return fail(`the keyring is signed by root key ${rootFpr}, not by the trusted root ${options.trustedRootFingerprint}`);
  }
  const rootPolicy = await checkKeyPolicy(rootKey, { now: options.now, needsEncryption: false });
  if (!rootPolicy.ok) return fail(`root key refused (${rootPolicy.rule}): ${rootPolicy.reason}`);

  if (!(await signatureCovers(bundle.document, bundle.signature, rootKey))) {
    return fail("the keyring signature does not verify against the root key");
  }

  let document: KeyringDocument;
  try {
    document = KeyringDocumentSchema.parse(JSON.parse(bundle.document));
  } catch {
    return fail("the keyring document is not a valid testigo-keyring/1 document");
  }
  if (document.root !== rootFpr) return fail(`the document names root ${document.root} but is signed by ${rootFpr}`);

  const recipients: PublicKey[] = [];
  const encryptionKeyIds = new Set<string>();
  const warnings = [...rootPolicy.warnings];
  for (const entry of document.keys.filter((k) => k.status === "active")) {
    const armored = bundle.keys[entry.fingerprint];
    if (!armored) return fail(`active key ${entry.fingerprint} (${entry.label}) is listed but not provided`);
    let key: PublicKey;
    try {
      key = await readKey({ armoredKey: armored, config: pgpConfig });
    } catch {
      return fail(`active key ${entry.fingerprint} (${entry.label}) cannot be read`);
    }
    if (key.getFingerprint().toUpperCase() !== entry.fingerprint) {
      return fail(`the key provided for ${entry.fingerprint} has fingerprint ${key.getFingerprint().toUpperCase()}`);
    }
    const policy = await checkKeyPolicy(key, { now: options.now, needsEncryption: true });
    if (!policy.ok) return fail(`editor key refused (${policy.rule}): ${policy.reason}`);
    if (policy.encryptionKeyId === null) return fail(`key ${entry.fingerprint} has no encryption subkey`);
    warnings.push(...policy.warnings);
    recipients.push(key);
    encryptionKeyIds.add(policy.encryptionKeyId);
  }
  if (recipients.length === 0) return fail("the keyring has no active editor key");
  return { ok: true, keyring: { document, recipients, encryptionKeyIds, warnings } };
}
