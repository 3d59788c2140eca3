/**
 * Issue 3's interop promise on a real browser submission: a portal whose signed keyring holds two
 * keys made by GnuPG itself (`gpg --quick-gen-key NAME future-default`, and RSA-3072). A witness
 * submits in headless Chromium; the operator runs `testigo export`; then each editor, holding only
 * their own key, gets the files back byte for byte with `testigo decrypt` and the secret key
 * exported from GnuPG (`gpg --export-secret-keys --armor`; the Ed25519 one passphrase-protected,
 * read with --passphrase-file, the RSA one unprotected), and with GnuPG alone
 * (scripts/gpg-decrypt-submission.sh in a GNUPGHOME holding that one key).
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPrivateKey } from "openpgp";
import { pgpConfig } from "~/envelope/pgp-config";
import { launchChromium } from "../support/browsers";
import { DECRYPT_SCRIPT, gpgGenerateKey, makeGnupgHome, runScript, type GnupgHome, type GpgKey } from "../support/gpg";
import { makeSignedKeyringDir } from "../support/keyring-dir";
import { removeDataDir, startPortal, type Portal } from "../support/portal";
import { untar } from "../security/editor-support";
import { fillAndSend, waitForReceipt } from "../browser/helpers/chromium";
import { makeWitnessMaterial, submissionIds, writtenName, type WitnessMaterial } from "../browser/helpers/witness";
import { runTestigo } from "../support/cli";

// Bigger than one 2 MiB chunk, so the chunk loop of both decrypters is exercised.
const RANDOM_BYTES = 3 * 1024 * 1024;
const PASSPHRASE = "mesa 12, acta 117, sin copia";

interface Editor {
  kind: "ed25519" | "rsa3072";
  key: GpgKey;
  /** A GnuPG home holding only this editor's secret key: it must decrypt on its own. */
  home: GnupgHome;
  /** The armored secret key as GnuPG exported it, on disk as an editor would carry it. */
  secretFile: string;
  /** Set when the exported key is passphrase-protected. */
  passphraseFile?: string;
}

let work: string | undefined;
let keygenHome: GnupgHome | undefined;
const editors: Editor[] = [];
let portal: Portal | undefined;
let browser: Browser | undefined;
let context: BrowserContext | undefined;
let material: WitnessMaterial | undefined;
let submissionId = "";
let bundle = "";

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "testigo-gpg-browser-"));
  keygenHome = await makeGnupgHome();
  for (const kind of ["ed25519", "rsa3072"] as const) {
    const key = await gpgGenerateKey(keygenHome, kind, `Editora ${kind} <${kind}@example.org>`);
    const home = await makeGnupgHome();
    const editor: Editor = { kind, key, home, secretFile: path.join(work, `${kind}-secret.asc`) };
    editors.push(editor);
    // The editor's own home gets the key unprotected: the gpg script runs in batch, with no pinentry.
    await home.gpgOk(["--import"], key.armoredSecret);
    let armored = key.armoredSecret;
    if (kind === "ed25519") {
      // An editor's exported key usually carries a passphrase: protect it where it was made and
      // export it again, so `testigo decrypt --passphrase-file` meets GnuPG's own protection.
      const loopback = ["--pinentry-mode", "loopback", "--passphrase", PASSPHRASE];
      await keygenHome.gpgOk([...loopback, "--passwd", key.fingerprint]);
      armored = (await keygenHome.gpgOk([...loopback, "--armor", "--export-secret-keys", key.fingerprint])).stdout.toString();
      editor.passphraseFile = path.join(work, `${kind}-passphrase.txt`);
      await writeFile(editor.passphraseFile, `${PASSPHRASE}\n`, { mode: 0o600 });
    }
    await writeFile(editor.secretFile, armored, { mode: 0o600 });
  }
  const keyring = await makeSignedKeyringDir({
    dir: path.join(work, "keys"),
    editors: editors.map((e) => ({ armoredPublic: e.key.armoredPublic, label: `gpg ${e.kind}` })),
  });
  portal = await startPortal({ env: { TESTIGO_KEYS_DIR: keyring.keysDir } });
  material = await makeWitnessMaterial({ randomBytes: RANDOM_BYTES });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  // Each step on its own: one failing must not leave the others' processes or files behind.
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  if (portal) {
    await portal.stop().catch(() => portal?.kill9());
    await removeDataDir(portal.dataDir);
  }
  for (const e of editors) await e.home.remove().catch(() => undefined);
  await keygenHome?.remove().catch(() => undefined);
  await material?.remove();
  if (work) await rm(work, { recursive: true, force: true });
});

function need<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new Error(`${what} is not available (an earlier step failed)`);
  return value;
}

/** `node bin/testigo.js ARGS` with every socket made fatal; a non-zero exit is an answer. */
async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  return runTestigo(args, env);
}

describe("gpg-made editor keys, a submission made in Chromium", () => {
  it("the witness submits in headless Chromium to the two gpg keys, and the operator exports it", async () => {
    const p = need(portal, "portal");
    const m = need(material, "material");
    expect(p.demoSecretKeyPath).toBeNull();
    context = await need(browser, "browser").newContext();
    const page = await context.newPage();
    const urls: string[] = [];
    page.on("request", (r) => urls.push(r.url()));
    await page.goto(`${p.witnessUrl}/submit?lang=es`);
    await fillAndSend(page, { report: m.report, files: m.files.map((f) => f.path) });
    expect(await waitForReceipt(page, 120_000)).toEqual(m.files.map((f) => f.sha256));
    const ids = submissionIds(urls);
    expect(ids).toHaveLength(1);
    submissionId = ids[0]!;
    await context.close();
    context = undefined;

    const usb = path.join(need(work, "work dir"), "usb");
    const exported = await cli(["export", "--out", usb], { TESTIGO_DATA_DIR: p.dataDir });
    expect(exported.code, exported.out).toBe(0);
    const bundles = await readdir(usb);
    expect(bundles).toHaveLength(1);
    bundle = path.join(usb, bundles[0]!);
  });

  it("`testigo decrypt` with each gpg-exported secret key alone gives the files byte for byte", async () => {
    const m = need(material, "material");
    expect(bundle).not.toBe("");
    for (const e of editors) {
      // The export really is protected when a passphrase file is given, and really is not otherwise.
      const exported = await readPrivateKey({ armoredKey: await readFile(e.secretFile, "utf8"), config: pgpConfig });
      expect(exported.isDecrypted(), `${e.kind} exported unprotected`).toBe(e.passphraseFile === undefined);
      const out = path.join(need(work, "work dir"), `plain-${e.kind}`);
      const passphrase = e.passphraseFile ? ["--passphrase-file", e.passphraseFile] : [];
      const result = await cli(["decrypt", bundle, "--key", e.secretFile, ...passphrase, "--out", out]);
      expect(result.out).not.toContain("NETWORK-ATTEMPT");
      expect(result.code, `${e.kind}: ${result.out}`).toBe(0);
      const dir = path.join(out, submissionId);
      for (const [i, f] of m.files.entries()) {
        const bytes = await readFile(path.join(dir, writtenName(i, f.name)));
        expect(bytes.equals(f.data), `${e.kind}: ${f.name}`).toBe(true);
      }
      expect(await readFile(path.join(dir, "report.md"), "utf8")).toContain(m.report.what);
      expect(await readFile(path.join(dir, "verification.txt"), "utf8")).toContain("Overall: OK");
    }
  });

  it("GnuPG alone (scripts/gpg-decrypt-submission.sh), each key in its own GNUPGHOME, gives the files byte for byte", async () => {
    const m = need(material, "material");
    expect(bundle).not.toBe("");
    // The editor's path without our CLI: unpack the exported bundle, run the script on its folder.
    const unpacked = path.join(need(work, "work dir"), "unpacked", submissionId);
    await mkdir(unpacked, { recursive: true });
    const entries = await untar(await readFile(bundle));
    for (const [name, bytes] of entries) {
      const [id, part] = name.split("/");
      expect(id).toBe(submissionId);
      if (part && part !== "index.json") await writeFile(path.join(unpacked, part), bytes);
    }
    for (const e of editors) {
      const out = path.join(need(work, "work dir"), `gpg-${e.kind}`);
      const run = await runScript(DECRYPT_SCRIPT, [unpacked, out], { env: e.home.env });
      expect(run.stderr, `${e.kind} with gpg`).toBe("");
      expect(run.code).toBe(0);
      for (const [i, f] of m.files.entries()) {
        const bytes = await readFile(path.join(out, `file-${i}`));
        expect(bytes.equals(f.data), `${e.kind} with gpg: ${f.name}`).toBe(true);
      }
    }
  });
});
