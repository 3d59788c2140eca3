/**
 * `keys sign --root-key root-secret.asc`: the detached signature (keyring.json.asc) over the exact
 * exact bytes of keyring.json, made with the server's own signer so the server and the browser verify it
 * the same way. Before anything is written, the would-be bundle goes through verifyKeyring, the
 * check the server runs at start: staff never sign a keyring the portal would refuse.
 *
 * The version only grows: signing refuses a document whose version is not above the last signed
 * one this directory shows (the document the existing signature covers, if any).
 */
import { readFile } from "node:fs/promises";
import { readPrivateKey } from "openpgp";
import { pgpConfig } from "../../app/envelope/pgp-config";
import { verifyKeyring } from "../../app/keyring/verify";
import { ROOT_FILE, SIGNATURE_FILE } from "../../server/keyring/files";
import { signKeyringDocument } from "../../server/keyring/sign";
import { KeysError, errorMessage, refuse } from "./errors";
import { groupFingerprint } from "./fingerprint";
import { KeysDir, LAST_SIGNED_FILE } from "./keys-dir";

export interface SignResult {
  version: number;
  previousVersion: number | null;
  rootFingerprint: string;
  activeKeys: string[];
  warnings: string[];
}

export async function readRootSecret(file: string) {
  try {
    return await readPrivateKey({ armoredKey: await readFile(file, "utf8"), config: pgpConfig });
  } catch (error) {
    throw new KeysError(`${file}: not a readable OpenPGP secret key (${errorMessage(error)})`);
  }
}

export async function signKeyring(args: {
  keysDir: string;
  rootKeyFile: string;
  /** Asked only when the key turns out to be protected, and only after the cheap checks pass. */
  passphrase: () => Promise<string>;
  now?: Date;
}): Promise<SignResult> {
  const dir = new KeysDir(args.keysDir);
  const { text, document } = await dir.readDocument();
  const secret = await readRootSecret(args.rootKeyFile);
  const signerFpr = secret.getFingerprint().toUpperCase();
  if (signerFpr !== document.root) {
    throw refuse(`the keyring names root ${groupFingerprint(document.root)}, but ${args.rootKeyFile} is ${groupFingerprint(signerFpr)}`);
  }
  const root = await dir.readRootKey();
  if (root === null) throw new KeysError(`${dir.path(ROOT_FILE)} is missing; copy root.asc from \`keys root init\` into ${dir.dir}`);
  if (root.key.getFingerprint().toUpperCase() !== signerFpr) {
    throw refuse(`${dir.path(ROOT_FILE)} is ${groupFingerprint(root.key.getFingerprint())}, not the signing root ${groupFingerprint(signerFpr)}`);
  }

  const state = await dir.signatureState([root.key, secret.toPublic()]);
  if (state.coversCurrent) throw refuse(`version ${document.version} is already signed; nothing changed since`);
  if (state.lastSigned !== null && document.version <= state.lastSigned.version) {
    throw refuse(
      `keyring.json has version ${document.version}, but version ${state.lastSigned.version} was already signed; ` +
        "the version only grows, so clients can refuse an old keyring replayed to them",
    );
  }

  const secrets = await dir.findSecretKeyFiles();
  if (secrets.length > 0) throw refuse(`secret key material in the keyring directory (it is copied to the server): ${secrets.join(", ")}`);

  const passphrase = secret.isDecrypted() ? undefined : await args.passphrase();
  let signature: string;
  try {
    signature = await signKeyringDocument(text, await readFile(args.rootKeyFile, "utf8"), passphrase);
  } catch (error) {
    throw new KeysError(`cannot sign with ${args.rootKeyFile}: ${errorMessage(error)}`);
  }

  const keys: Record<string, string> = {};
  for (const [fpr, k] of await dir.readEditorKeys()) keys[fpr] = k.armored;
  const check = await verifyKeyring({ document: text, signature, rootKey: root.armored, keys }, { trustedRootFingerprint: signerFpr, now: args.now });
  if (!check.ok) throw refuse(`not signed: the portal would refuse this keyring: ${check.reason}`);

  // The signature first: a crash before the copy leaves a signature that covers keyring.json,
  // which is still how the next `sign` finds the version.
  await dir.writeText(SIGNATURE_FILE, signature);
  await dir.writeText(LAST_SIGNED_FILE, text);
  return {
    version: document.version,
    previousVersion: state.lastSigned?.version ?? null,
    rootFingerprint: signerFpr,
    activeKeys: check.keyring.recipients.map((k) => k.getFingerprint().toUpperCase()),
    warnings: [
      ...check.keyring.warnings,
      ...(passphrase === undefined ? [`${args.rootKeyFile} is not passphrase-protected; a root secret key on disk must be`] : []),
    ],
  };
}
