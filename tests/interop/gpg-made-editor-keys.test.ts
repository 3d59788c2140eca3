/**
 * Editor keys made by GnuPG itself (`gpg --quick-gen-key`: future-default Ed25519/Curve25519, and
 * RSA-3072) in a signed keyring: the portal accepts them, OpenPGP.js encrypts to them, and each
 * editor decrypts every submission (browser-made and gpg+curl-made) with GnuPG alone, and with
 * the project's envelope code using the secret key exported from GnuPG.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPrivateKey, type PrivateKey } from "openpgp";
import { pgpConfig } from "~/envelope/pgp-config";
import { DECRYPT_SCRIPT, SUBMIT_SCRIPT, gpgGenerateKey, makeGnupgHome, runScript, type GnupgHome, type GpgKey } from "../support/gpg";
import { makeSignedKeyringDir, type SignedKeyringDir } from "../support/keyring-dir";
import { removeDataDir, startPortal, type Portal } from "../support/portal";
import { blobDir, decryptStoredWithEnvelope } from "../support/stored";
import { buildSubmission, fetchRecipients, uploadAndSeal } from "../support/submission";

interface Editor {
  kind: "ed25519" | "rsa3072";
  key: GpgKey;
  /** A GnuPG home holding only this editor's secret key: it must decrypt on its own. */
  home: GnupgHome;
  secret: PrivateKey;
}

let keygenHome: GnupgHome;
let editors: Editor[] = [];
let keyring: SignedKeyringDir;
let portal: Portal;
let work: string;
const data = new Uint8Array(randomBytes(150 * 1024));

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "testigo-gpgkeys-"));
  keygenHome = await makeGnupgHome();
  const kinds: Editor["kind"][] = ["ed25519", "rsa3072"];
  for (const kind of kinds) {
    const key = await gpgGenerateKey(keygenHome, kind, `Editora ${kind} <${kind}@example.org>`);
    const home = await makeGnupgHome();
    await home.gpgOk(["--import"], key.armoredSecret);
    editors.push({ kind, key, home, secret: await readPrivateKey({ armoredKey: key.armoredSecret, config: pgpConfig }) });
  }
  keyring = await makeSignedKeyringDir({
    dir: path.join(work, "keys"),
    editors: editors.map((e) => ({ armoredPublic: e.key.armoredPublic, label: `gpg ${e.kind}` })),
  });
  portal = await startPortal({ env: { TESTIGO_KEYS_DIR: keyring.keysDir } });
});

afterAll(async () => {
  await portal?.stop();
  if (portal) await removeDataDir(portal.dataDir);
  for (const e of editors) await e.home.remove();
  editors = [];
  await keygenHome?.remove();
  if (work) await rm(work, { recursive: true, force: true });
});

/** Encryption subkey IDs as GnuPG lists them: what each header's PKESKs must name. */
async function gpgEncryptionSubkeyId(e: Editor): Promise<string> {
  const listing = (await keygenHome.gpgOk(["--with-colons", "--list-keys", e.key.fingerprint])).stdout.toString();
  const subs = listing.split("\n").filter((l) => l.startsWith("sub:") && l.split(":")[11]?.includes("e"));
  expect(subs).toHaveLength(1);
  return subs[0]!.split(":")[4]!.toLowerCase();
}

async function expectEveryEditorDecrypts(id: string, label: string) {
  for (const e of editors) {
    const out = path.join(work, `${label}-${e.kind}`);
    const { code, stderr } = await runScript(DECRYPT_SCRIPT, [blobDir(portal.dataDir, id), out], { env: e.home.env });
    expect(stderr, `${e.kind} with gpg`).toBe("");
    expect(code).toBe(0);
    expect(Buffer.compare(await readFile(path.join(out, "file-0")), Buffer.from(data)), `${e.kind} with gpg`).toBe(0);
    // The same submission with the project's own code and the secret key exported from GnuPG.
    const { files } = await decryptStoredWithEnvelope(blobDir(portal.dataDir, id), id, [e.secret]);
    expect(Buffer.compare(Buffer.from(files[0]!), Buffer.from(data)), `${e.kind} with OpenPGP.js`).toBe(0);
  }
}

describe("editor keys made with gpg --quick-gen-key", () => {
  it("run the portal (not in demo mode) and pass the key policy in OpenPGP.js", async () => {
    expect(portal.demoSecretKeyPath).toBeNull();
    const { recipients, keyIds } = await fetchRecipients(portal.witnessUrl);
    expect(recipients.map((k) => k.getFingerprint().toUpperCase())).toEqual(editors.map((e) => e.key.fingerprint));
    expect([...keyIds].sort()).toEqual((await Promise.all(editors.map(gpgEncryptionSubkeyId))).sort());
    expect(editors.map((e) => e.secret.getAlgorithmInfo().algorithm)).toEqual(["eddsaLegacy", "rsaEncryptSign"]);
  });

  it("a browser-made submission decrypts with gpg alone, for each editor", async () => {
    const { recipients } = await fetchRecipients(portal.witnessUrl);
    const sub = await buildSubmission({
      recipients,
      files: [{ name: "foto.jpg", type: "image/jpeg", data }],
      report: { what: "Dos editores, dos tipos de clave." },
      chunkSize: 64 * 1024,
    });
    await uploadAndSeal(portal.witnessUrl, sub);
    await expectEveryEditorDecrypts(sub.id, "browser");
  });

  it("a gpg+curl submission to the gpg-made keys decrypts with gpg alone, for each editor", async () => {
    const file = path.join(work, "foto.jpg");
    await writeFile(file, data);
    const result = await runScript(
      SUBMIT_SCRIPT,
      ["--portal", portal.witnessUrl, "--root-fingerprint", keyring.rootFingerprint, "--chunk-size", String(64 * 1024), file],
      { env: { TMPDIR: work } },
    );
    expect(result.code, result.stderr).toBe(0);
    // Not a demo keyring, so no demo warning and no --allow-demo needed.
    expect(result.stderr).not.toContain("DEMO");
    const id = /^Submission ([0-9a-f]{32})$/m.exec(result.stdout.toString())?.[1];
    expect(id).toBeDefined();
    await expectEveryEditorDecrypts(id!, "gpg-curl");
  });
});
