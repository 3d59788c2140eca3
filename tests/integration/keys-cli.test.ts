/**
 * Security staff's path end to end, through the real program (`node bin/testigo.js keys ...`,
 * passphrases from --passphrase-file, every network call made fatal since these steps run
 * offline): root init → editor new → add → sign → verify; then the real portal in production mode
 * on that directory with the root pinned serves it, and a submission built against it is stored
 * and readable with the editor key, by OpenPGP.js and by GnuPG after `gpg --import` of the secret
 * key `editor new` wrote. Then the day-to-day edits: enrol a second editor, retire the first.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decryptKey, readPrivateKey } from "openpgp";
import { pgpConfig } from "~/envelope/pgp-config";
import { KeyringBundleSchema } from "~/keyring/document";
import { verifyKeyring } from "~/keyring/verify";
import { DECRYPT_SCRIPT, makeGnupgHome, run, runScript, type GnupgHome } from "../support/gpg";
import { ROOT, removeDataDir, startPortal, type Portal } from "../support/portal";
import { blobDir, decryptStoredWithEnvelope } from "../support/stored";
import { buildSubmission, fetchRecipients, uploadAndSeal } from "../support/submission";

const CLI = path.join(ROOT, "bin/testigo.js");
const NO_NET = path.join(ROOT, "tests/support/forbid-network.mjs");

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

async function keys(args: string[]): Promise<CliResult> {
  const r = await run(process.execPath, ["--import", NO_NET, CLI, "keys", ...args]);
  return { code: r.code, stdout: r.stdout.toString(), stderr: r.stderr };
}

async function keysOk(args: string[]): Promise<string> {
  const r = await keys(args);
  expect(r.code, `testigo keys ${args.join(" ")}\n${r.stdout}${r.stderr}`).toBe(0);
  expect(r.stderr).not.toMatch(/NETWORK-ATTEMPT/);
  return r.stdout;
}

function fingerprintFrom(output: string): string {
  const grouped = /((?:[0-9A-F]{4} ){5} (?:[0-9A-F]{4} ){4}[0-9A-F]{4})/.exec(output)?.[1];
  if (!grouped) throw new Error(`no grouped fingerprint in:\n${output}`);
  return grouped.replace(/ /g, "");
}

let work: string;
let passFile: string;
let passphrase: string;
let rootDir: string;
let keysDir: string;
let rootFpr: string;
let editorA: { fpr: string; publicFile: string; secretFile: string };
let portal: Portal | undefined;
let home: GnupgHome | undefined;
let storedId: string;
const media = new Uint8Array(randomBytes(300 * 1024));

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "testigo-keys-"));
  rootDir = path.join(work, "offline-root");
  keysDir = path.join(work, "keys");
  passphrase = randomBytes(18).toString("base64url");
  passFile = path.join(work, "passphrase");
  await writeFile(passFile, `${passphrase}\n`, { mode: 0o600 });
});

afterAll(async () => {
  await portal?.stop();
  if (portal) await removeDataDir(portal.dataDir);
  await home?.remove();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("testigo keys: from nothing to a production portal", () => {
  it("root init makes a passphrase-protected certify+sign Ed25519 root and prints its fingerprint grouped", async () => {
    const out = await keysOk(["root", "init", "--out", rootDir, "--passphrase-file", passFile]);
    rootFpr = fingerprintFrom(out);
    expect(out).toContain(`TESTIGO_ROOT_FINGERPRINT=${rootFpr}`);
    expect((await stat(path.join(rootDir, "root-secret.asc"))).mode & 0o777).toBe(0o600);
    expect((await stat(rootDir)).mode & 0o077).toBe(0);

    const secret = await readPrivateKey({ armoredKey: await readFile(path.join(rootDir, "root-secret.asc"), "utf8"), config: pgpConfig });
    expect(secret.isDecrypted()).toBe(false);
    expect(secret.getFingerprint().toUpperCase()).toBe(rootFpr);
    expect(secret.keyPacket.version).toBe(4);
    expect(secret.getAlgorithmInfo()).toMatchObject({ algorithm: "eddsaLegacy", curve: "ed25519Legacy" });
    // Certify and sign only: nothing is ever encrypted to the root.
    expect(secret.getSubkeys()).toHaveLength(0);
    await decryptKey({ privateKey: secret, passphrase, config: pgpConfig });

    // A second init must not replace the root key.
    const again = await keys(["root", "init", "--out", rootDir, "--passphrase-file", passFile]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/already holds a root key/);
  });

  it("editor new makes an Ed25519 + Curve25519 key pair with a protected secret", async () => {
    const out = await keysOk(["editor", "new", "Ana Editora", "--out", path.join(work, "ana"), "--passphrase-file", passFile]);
    const fpr = fingerprintFrom(out);
    editorA = { fpr, publicFile: path.join(work, "ana", `${fpr}.public.asc`), secretFile: path.join(work, "ana", `${fpr}.secret.asc`) };
    expect((await stat(editorA.secretFile)).mode & 0o777).toBe(0o600);
    const secret = await readPrivateKey({ armoredKey: await readFile(editorA.secretFile, "utf8"), config: pgpConfig });
    expect(secret.isDecrypted()).toBe(false);
    expect(secret.getSubkeys().map((s) => s.getAlgorithmInfo())).toEqual([{ algorithm: "ecdh", curve: "curve25519Legacy" }]);
  });

  it("add starts the keyring unsigned; verify refuses it until sign", async () => {
    const added = await keysOk(["add", editorA.publicFile, "--label", "Ana, mesa de investigación", "--keys-dir", keysDir, "--root", path.join(rootDir, "root.asc")]);
    expect(added).toMatch(/version 1 \(new keyring\): NOT SIGNED/);
    const status = await keysOk(["status", "--keys-dir", keysDir]);
    expect(status).toMatch(/signature: missing/);
    expect(status).toMatch(/version 1 is not signed/);

    const unsigned = await keys(["verify", "--keys-dir", keysDir, "--root-fingerprint", rootFpr]);
    expect(unsigned.code).toBe(2);

    const signed = await keysOk(["sign", "--root-key", path.join(rootDir, "root-secret.asc"), "--keys-dir", keysDir, "--passphrase-file", passFile]);
    expect(signed).toMatch(/signed keyring version 1/);
    expect(signed).not.toContain(passphrase);
    const verified = await keysOk(["verify", "--keys-dir", keysDir, "--root-fingerprint", rootFpr.toLowerCase()]);
    expect(verified).toMatch(/^OK: keyring version 1/);
    expect(verified).toMatch(/matches the pinned fingerprint/);

    const after = await keysOk(["status", "--keys-dir", keysDir]);
    expect(after).toMatch(/signature: valid/);
    expect(after).toMatch(/new submissions are encrypted to: "Ana, mesa de investigación"/);
    expect(after).not.toMatch(/warnings:/);
  });

  it("GnuPG checks the keyring signature too (staff can cross-check with a second tool)", async () => {
    const gpgHome = await makeGnupgHome();
    try {
      await gpgHome.gpgOk(["--import", path.join(keysDir, "root.asc")]);
      const r = await gpgHome.gpg(["--status-fd", "1", "--verify", path.join(keysDir, "keyring.json.asc"), path.join(keysDir, "keyring.json")]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.toString()).toMatch(new RegExp(`VALIDSIG ${rootFpr}`));
    } finally {
      await gpgHome.remove();
    }
  });

  it("the production portal starts on it with the root pinned, serves it, and accepts a submission", async () => {
    portal = await startPortal({ env: { NODE_ENV: "production", TESTIGO_KEYS_DIR: keysDir, TESTIGO_ROOT_FINGERPRINT: rootFpr } });
    expect(portal.output()).not.toMatch(/DEMO/);

    const bundle = KeyringBundleSchema.parse(await (await fetch(`${portal.witnessUrl}/api/v1/keyring`)).json());
    expect(bundle.document).toBe(await readFile(path.join(keysDir, "keyring.json"), "utf8"));
    expect(bundle.signature).toBe(await readFile(path.join(keysDir, "keyring.json.asc"), "utf8"));
    expect(Object.keys(bundle.keys)).toEqual([editorA.fpr]);
    const verified = await verifyKeyring(bundle, { trustedRootFingerprint: rootFpr });
    expect(verified.ok).toBe(true);

    const { recipients } = await fetchRecipients(portal.witnessUrl);
    expect(recipients.map((k) => k.getFingerprint().toUpperCase())).toEqual([editorA.fpr]);
    const sub = await buildSubmission({
      recipients,
      files: [{ name: "acta-mesa-7.jpg", type: "image/jpeg", data: media }],
      report: { what: "Acta alterada", where: "Mesa 7" },
      chunkSize: 128 * 1024,
    });
    await uploadAndSeal(portal.witnessUrl, sub);
    storedId = sub.id;

    const secret = await decryptKey({
      privateKey: await readPrivateKey({ armoredKey: await readFile(editorA.secretFile, "utf8"), config: pgpConfig }),
      passphrase,
      config: pgpConfig,
    });
    const { files, manifest } = await decryptStoredWithEnvelope(blobDir(portal.dataDir, sub.id), sub.id, [secret]);
    expect(Buffer.compare(Buffer.from(files[0]!), Buffer.from(media))).toBe(0);
    expect(manifest.report.what).toBe("Acta alterada");
  });

  it("gpg --import takes the secret key `editor new` wrote, and it decrypts what the portal stored", async () => {
    home = await makeGnupgHome();
    const loopback = ["--pinentry-mode", "loopback", "--passphrase-file", passFile];
    const imported = await home.gpg([...loopback, "--import", editorA.secretFile]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).toMatch(/secret keys imported: 1/);

    const listing = (await home.gpgOk(["--with-colons", "--list-secret-keys", editorA.fpr])).stdout.toString();
    expect(listing).toMatch(new RegExp(`^fpr:+${editorA.fpr}:`, "m"));
    // sec: Ed25519 (algo 22) certify+sign; ssb: Curve25519 (algo 18) encrypt. Fields per
    // GnuPG's doc/DETAILS: 4 algorithm, 12 capabilities, 17 curve.
    const rows = listing.split("\n").map((l) => l.split(":"));
    const sec = rows.filter((r) => r[0] === "sec");
    const ssb = rows.filter((r) => r[0] === "ssb");
    expect(sec.map((r) => [r[3], r[11]?.replace(/[A-Z]/g, ""), r[16]])).toEqual([["22", "sc", "ed25519"]]);
    expect(ssb.map((r) => [r[3], r[11], r[16]])).toEqual([["18", "e", "cv25519"]]);

    // The S2K GnuPG 2.2 can import: iterated+salted, SHA-256 (hash 8), AES-256 (algo 9).
    const packets = (await home.gpg(["--list-packets", editorA.secretFile])).stdout.toString();
    expect(packets).toMatch(/iter\+salt S2K, algo: 9, SHA1 protection, hash: 8/);
    expect(packets).toMatch(/protect count: 65011712/);

    const dir = blobDir(portal!.dataDir, storedId);
    // The key stays protected inside GnuPG: with the agent's cache flushed, a wrong passphrase
    // does not open it.
    await run("gpgconf", ["--reload", "gpg-agent"], { env: home.env });
    const wrongFile = path.join(work, "wrong-passphrase");
    await writeFile(wrongFile, "not the passphrase at all\n");
    const wrong = await home.gpg(["--pinentry-mode", "loopback", "--passphrase-file", wrongFile, "--decrypt", path.join(dir, "header-0")]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/Bad passphrase|decryption failed/i);

    // The header, read by GnuPG alone: the file description our envelope code wrote.
    const header = await home.gpg([...loopback, "--decrypt", path.join(dir, "header-0")]);
    expect(header.code, header.stderr).toBe(0);
    const description: unknown = JSON.parse(header.stdout.toString());
    expect(description).toMatchObject({ submission: storedId, file: 0, name: "acta-mesa-7.jpg", size: media.length });

    // The whole submission with the README's GnuPG recipe, the imported (protected) key alone.
    await writeFile(path.join(home.dir, "gpg.conf"), `pinentry-mode loopback\npassphrase-file ${passFile}\n`);
    const outDir = path.join(work, "gpg-out");
    const script = await runScript(DECRYPT_SCRIPT, [dir, outDir], { env: home.env });
    expect(script.code, script.stderr).toBe(0);
    expect(Buffer.compare(await readFile(path.join(outDir, "file-0")), Buffer.from(media))).toBe(0);
  });
});

describe("testigo keys: enrol, retire, and the rules around them", () => {
  let editorB: { fpr: string; publicFile: string };

  it("enrols a second editor, retires the first, and signs: the portal then encrypts to the new key only", async () => {
    const out = await keysOk(["editor", "new", "Bruno", "--out", path.join(work, "bruno"), "--passphrase-file", passFile]);
    const fpr = fingerprintFrom(out);
    editorB = { fpr, publicFile: path.join(work, "bruno", `${fpr}.public.asc`) };
    expect(await keysOk(["add", editorB.publicFile, "--label", "Bruno", "--keys-dir", keysDir])).toMatch(/keyring version 2: NOT SIGNED/);

    // The grouped form, as printed, is accepted.
    const grouped = `${editorA.fpr.slice(0, 20)} ${editorA.fpr.slice(20)}`;
    expect(await keysOk(["retire", grouped, "--keys-dir", keysDir])).toMatch(/keyring version 3: NOT SIGNED/);

    const pending = await keysOk(["status", "--keys-dir", keysDir]);
    expect(pending).toMatch(/signature: unsigned changes \(last signed: version 1\)/);
    expect(pending).toMatch(/new submissions are encrypted to once signed: "Bruno"/);
    expect(pending).toMatch(/until then \(signed version 1\): "Ana, mesa de investigación"/);
    expect((await keys(["verify", "--keys-dir", keysDir, "--root-fingerprint", rootFpr])).code).toBe(2);

    // Retiring again, or retiring the last active key, is refused with the reason.
    const twice = await keys(["retire", editorA.fpr, "--keys-dir", keysDir]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/already retired/);
    const last = await keys(["retire", editorB.fpr, "--keys-dir", keysDir]);
    expect(last.code).toBe(2);
    expect(last.stderr).toMatch(/last active key/);
    // A retired key is never re-enrolled.
    const back = await keys(["add", editorA.publicFile, "--label", "Ana again", "--keys-dir", keysDir]);
    expect(back.code).toBe(2);
    expect(back.stderr).toMatch(/was retired/);

    expect(await keysOk(["sign", "--root-key", path.join(rootDir, "root-secret.asc"), "--keys-dir", keysDir, "--passphrase-file", passFile])).toMatch(
      /signed keyring version 3 \(previous signed version 1\)/,
    );
    await keysOk(["verify", "--keys-dir", keysDir, "--root-fingerprint", rootFpr]);
    const doc: unknown = JSON.parse(await readFile(path.join(keysDir, "keyring.json"), "utf8"));
    expect(doc).toMatchObject({
      version: 3,
      keys: [
        { fingerprint: editorA.fpr, status: "retired", retired: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) },
        { fingerprint: editorB.fpr, status: "active" },
      ],
    });

    // A restart picks the new keyring up (hot reload is not built yet).
    await portal!.stop();
    const dataDir = portal!.dataDir;
    portal = await startPortal({ dataDir, env: { NODE_ENV: "production", TESTIGO_KEYS_DIR: keysDir, TESTIGO_ROOT_FINGERPRINT: rootFpr } });
    const { recipients } = await fetchRecipients(portal.witnessUrl);
    expect(recipients.map((k) => k.getFingerprint().toUpperCase())).toEqual([editorB.fpr]);
  });

  it("sign refuses a version that does not grow, a wrong passphrase, and another root key", async () => {
    const file = path.join(keysDir, "keyring.json");
    const signedText = await readFile(file, "utf8");
    const rootKey = path.join(rootDir, "root-secret.asc");
    const sign = (extra: string[] = []) => keys(["sign", "--root-key", rootKey, "--keys-dir", keysDir, "--passphrase-file", passFile, ...extra]);

    const unchanged = await sign();
    expect(unchanged.code).toBe(2);
    expect(unchanged.stderr).toMatch(/version 3 is already signed/);

    // Edited by hand with the version set back: the signed copy still shows version 3.
    await writeFile(file, signedText.replace('"version": 3', '"version": 2').replace('"label": "Bruno"', '"label": "Bruno R."'));
    const rolledBack = await sign();
    expect(rolledBack.code).toBe(2);
    expect(rolledBack.stderr).toMatch(/version 2, but version 3 was already signed/);

    await writeFile(file, signedText.replace('"version": 3', '"version": 4').replace('"label": "Bruno"', '"label": "Bruno R."'));
    const wrongFile = path.join(work, "wrong-passphrase-2");
    await writeFile(wrongFile, "definitely not the passphrase\n");
    const wrong = await keys(["sign", "--root-key", rootKey, "--keys-dir", keysDir, "--passphrase-file", wrongFile]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/passphrase/i);

    const otherRoot = path.join(work, "other-root");
    await keysOk(["root", "init", "--out", otherRoot, "--passphrase-file", passFile]);
    const other = await keys(["sign", "--root-key", path.join(otherRoot, "root-secret.asc"), "--keys-dir", keysDir, "--passphrase-file", passFile]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(new RegExp(`names root ${rootFpr.slice(0, 4)}`));

    // Nothing of the above wrote a signature: version 3's signature is still the one on disk.
    expect((await keys(["verify", "--keys-dir", keysDir])).stderr).toMatch(/signature does not verify/);
    expect(await sign()).toMatchObject({ code: 0 });
    expect(await keysOk(["verify", "--keys-dir", keysDir, "--root-fingerprint", rootFpr])).toMatch(/^OK: keyring version 4/);
  });

  it("keeps secret keys and passphrases where they belong", async () => {
    const onArgv = await keys(["sign", "--root-key", path.join(rootDir, "root-secret.asc"), "--keys-dir", keysDir, `--passphrase=${passphrase}`]);
    expect(onArgv.code).toBe(1);
    expect(onArgv.stderr).toMatch(/never taken from the command line/);
    expect(onArgv.stderr + onArgv.stdout).not.toContain(passphrase);

    const shortFile = path.join(work, "short");
    await writeFile(shortFile, "abc123\n");
    const short = await keys(["editor", "new", "Corta", "--out", path.join(work, "short-out"), "--passphrase-file", shortFile]);
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/at least 12 characters/);

    // No terminal and no file: no silent unprotected key.
    const noPass = await keys(["editor", "new", "Sin clave", "--out", path.join(work, "nopass-out")]);
    expect(noPass.code).toBe(1);
    expect(noPass.stderr).toMatch(/--passphrase-file/);

    // The root secret must not be made inside the keys directory...
    const intoKeys = await keys(["root", "init", "--out", keysDir, "--passphrase-file", passFile]);
    expect(intoKeys.code).toBe(1);
    expect(intoKeys.stderr).toMatch(/looks like a keyring directory/);
    // ...nor copied there: add refuses a secret key file, verify refuses a directory holding one.
    const secretAdd = await keys(["add", editorA.secretFile, "--label", "x", "--keys-dir", keysDir]);
    expect(secretAdd.code).toBe(2);
    expect(secretAdd.stderr).toMatch(/secret key/);
    const stray = path.join(keysDir, "root-secret.asc");
    await writeFile(stray, await readFile(path.join(rootDir, "root-secret.asc"), "utf8"));
    const withSecret = await keys(["verify", "--keys-dir", keysDir, "--root-fingerprint", rootFpr]);
    expect(withSecret.code).toBe(2);
    expect(withSecret.stderr).toMatch(/secret key material in the keyring directory/);
    await rm(stray);
    await keysOk(["verify", "--keys-dir", keysDir, "--root-fingerprint", rootFpr]);
  });
});
