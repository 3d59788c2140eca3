/**
 * `keys verify`: the check the server runs at start (readKeyringBundle + verifyKeyring, with the
 * pinned root fingerprint when one is given), plus what only the operator's copy can reveal: secret
 * key material inside the directory, and a signed keyring older than one this directory has signed.
 */
import { readKeyringBundle } from "../../server/keyring/files";
import { signatureCovers, verifyKeyring } from "../../app/keyring/verify";
import { errorMessage, refuse } from "./errors";
import { KeysDir, LAST_SIGNED_FILE, parseDocument, readOptional } from "./keys-dir";

export interface VerifyResult {
  version: number;
  rootFingerprint: string;
  /** False when no fingerprint was given to pin: only root.asc's own say-so was checked. */
  pinned: boolean;
  demo: boolean;
  active: { fingerprint: string; label: string }[];
  encryptionKeyIds: string[];
  warnings: string[];
}

export async function verifyKeysDir(args: { keysDir: string; rootFingerprint?: string; now?: Date }): Promise<VerifyResult> {
  const dir = new KeysDir(args.keysDir);
  let bundle;
  try {
    bundle = await readKeyringBundle(args.keysDir);
  } catch (error) {
    throw refuse(`cannot read the keyring in ${args.keysDir}: ${errorMessage(error)}`);
  }
  const result = await verifyKeyring(bundle, { trustedRootFingerprint: args.rootFingerprint, now: args.now });
  if (!result.ok) {
    const hint = /signature does not verify/.test(result.reason) ? " (changed since it was signed? review the change, then `testigo keys sign`)" : "";
    throw refuse(`keyring refused: ${result.reason}${hint}`);
  }
  const { document } = result.keyring;

  const secrets = await dir.findSecretKeyFiles();
  if (secrets.length > 0) throw refuse(`secret key material in the keyring directory (it is copied to the server): ${secrets.join(", ")}`);

  // A validly signed but older keyring (an old directory restored over a newer one) is a rollback.
  const copy = await readOptional(dir.path(LAST_SIGNED_FILE));
  const root = await dir.readRootKey();
  if (copy !== null && root !== null) {
    const copyVersion = parseDocument(copy, dir.path(LAST_SIGNED_FILE)).version;
    const copySigned = await signatureCovers(copy, bundle.signature, root.key);
    if (!copySigned && copyVersion > document.version) {
      throw refuse(`keyring version ${document.version} is older than version ${copyVersion} recorded in ${LAST_SIGNED_FILE}: a rollback`);
    }
  }

  const warnings = [...result.keyring.warnings];
  if (args.rootFingerprint === undefined) {
    warnings.push(
      `no root fingerprint pinned: checked only against ${dir.path("root.asc")}; pass --root-fingerprint (or set TESTIGO_ROOT_FINGERPRINT) with the published one`,
    );
  }
  if (document.demo) warnings.push("this is a DEMO keyring: production refuses it");
  return {
    version: document.version,
    rootFingerprint: document.root,
    pinned: args.rootFingerprint !== undefined,
    demo: document.demo,
    active: document.keys.filter((k) => k.status === "active").map((k) => ({ fingerprint: k.fingerprint, label: k.label })),
    encryptionKeyIds: [...result.keyring.encryptionKeyIds],
    warnings,
  };
}
