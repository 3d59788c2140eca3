/**
 * The rotation story, end to end on a real portal: submissions encrypted to editor key A (one
 * built in Node, one made by a witness in headless Chromium); add B,
 * retire A, sign; the portal reloads and a new submission is encrypted to B only; the old
 * headers are exported, rewrapped offline with A's secret key, imported on the server (a file
 * with an altered encrypted packet is refused for that part only); A's secret key is destroyed;
 * `testigo decrypt` and the GnuPG script, with B alone, read every submission byte for byte.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, stat, unlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PublicKeyEncryptedSessionKeyPacket, readMessage } from "openpgp";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "~/envelope/hex";
import { encryptedPacketOf } from "~/envelope/header-content";
import { KeyringBundleSchema, KeyringDocumentSchema } from "~/keyring/document";
import { readHeadersFile, writeHeadersFile } from "../../server/export/headers-file";
import { openDb } from "../../server/storage/db";
import { SubmissionStore } from "../../server/storage/submission-store";
import { fillAndSend, waitForReceipt } from "../browser/helpers/chromium";
import { makeWitnessMaterial, submissionIds, writtenName, type WitnessMaterial } from "../browser/helpers/witness";
import { launchChromium } from "../support/browsers";
import { DECRYPT_SCRIPT, makeGnupgHome, runScript, type GnupgHome } from "../support/gpg";
import { encryptionKeyId, makeEditorKey, writeSignedKeyring, type TestEditorKey } from "../support/keys";
import { makeDataDir } from "../support/portal";
import { blobPath, buildSubmission, fetchRecipients, uploadAndSeal, type BuiltSubmission } from "../support/submission";
import { readBlob, withPortal } from "../security/helpers/fixture";
import { runTestigo } from "../support/cli";

const WAIT_MS = 30_000;

let keysDir: string;
let work: string;
let keyA: TestEditorKey;
let keyB: TestEditorKey;
let root: { armoredPrivate: string; fingerprint: string };
let home: GnupgHome;
let browser: Browser | undefined;
let material: WitnessMaterial;
let browserId = "";

const portal = withPortal(async () => {
  keysDir = await mkdtemp(path.join(os.tmpdir(), "testigo-rotation-keys-"));
  [keyA, keyB] = await Promise.all([makeEditorKey("Editor A"), makeEditorKey("Editor B")]);
  const written = await writeSignedKeyring(keysDir, { editors: [{ key: keyA, status: "active" }], version: 1 });
  root = { armoredPrivate: written.rootArmoredPrivate, fingerprint: written.rootFingerprint };
  return { dataDir: await makeDataDir(), env: { TESTIGO_KEYS_DIR: keysDir, TESTIGO_ROOT_FINGERPRINT: root.fingerprint } };
});

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "testigo-rotation-"));
  home = await makeGnupgHome();
  material = await makeWitnessMaterial({ randomBytes: 300_000 });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await material?.remove();
  await home?.remove();
  if (work) await rm(work, { recursive: true, force: true });
  if (keysDir) await rm(keysDir, { recursive: true, force: true });
});

async function cli(args: string[]) {
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: os.tmpdir(),
    NODE_ENV: "test" as const,
    TESTIGO_DATA_DIR: portal().dataDir,
    TESTIGO_KEYS_DIR: keysDir,
    TESTIGO_ROOT_FINGERPRINT: root.fingerprint,
  };
  return runTestigo(args, env);
}

async function servedVersion(): Promise<number> {
  const res = await fetch(`${portal().witnessUrl}/api/v1/keyring`);
  const bundle = KeyringBundleSchema.parse(await res.json());
  return KeyringDocumentSchema.parse(JSON.parse(bundle.document)).version;
}

async function pkeskKeyIds(bytes: Uint8Array): Promise<string[]> {
  const message = await readMessage({ binaryMessage: bytes });
  return message.packets.filter((p) => p instanceof PublicKeyEncryptedSessionKeyPacket).map((p) => p.publicKeyID.toHex());
}

const oldFiles = [
  { name: "acta-mesa-7.jpg", type: "image/jpeg", data: randomBytes(150_000) },
  { name: "nota.txt", type: "text/plain", data: new TextEncoder().encode("antes de la rotación\n") },
];
const newFiles = [{ name: "video.mp4", type: "video/mp4", data: randomBytes(90_000) }];
let oldSub: BuiltSubmission;
let newSub: BuiltSubmission;
let headersFile: string;
let rewrapped: string;

describe("key rotation without re-encrypting the media", () => {
  it("submissions to A (Node and Chromium); after B is added, A retired and the keyring signed, a new one goes to B only", async () => {
    expect(await servedVersion()).toBe(1);
    const before = await fetchRecipients(portal().witnessUrl);
    oldSub = await buildSubmission({ recipients: before.recipients, files: oldFiles, chunkSize: 64 * 1024, report: { what: "antes" } });
    await uploadAndSeal(portal().witnessUrl, oldSub);
    if (!browser) throw new Error("no browser");
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const urls: string[] = [];
      page.on("request", (r) => urls.push(r.url()));
      await page.goto(`${portal().witnessUrl}/submit?lang=es`);
      await fillAndSend(page, { report: material.report, files: material.files.map((f) => f.path) });
      expect(await waitForReceipt(page, 120_000)).toEqual(material.files.map((f) => f.sha256));
      const ids = submissionIds(urls);
      expect(ids).toHaveLength(1);
      browserId = ids[0]!;
    } finally {
      await context.close();
    }

    await writeSignedKeyring(keysDir, { editors: [{ key: keyA, status: "retired" }, { key: keyB, status: "active" }], version: 2, root });
    const deadline = Date.now() + WAIT_MS;
    while ((await servedVersion()) !== 2) {
      if (Date.now() > deadline) throw new Error("the portal did not load keyring version 2");
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    const after = await fetchRecipients(portal().witnessUrl);
    newSub = await buildSubmission({ recipients: after.recipients, files: newFiles, chunkSize: 64 * 1024, report: { what: "después" } });
    await uploadAndSeal(portal().witnessUrl, newSub);
    const idA = await encryptionKeyId(keyA.publicKey);
    const idB = await encryptionKeyId(keyB.publicKey);
    expect(await pkeskKeyIds(await readBlob(portal().dataDir, newSub.id, "header-0"))).toEqual([idB]);
    expect(await pkeskKeyIds(await readBlob(portal().dataDir, oldSub.id, "header-0"))).toEqual([idA]);
    expect(await pkeskKeyIds(await readBlob(portal().dataDir, browserId, "header-0"))).toEqual([idA]);
  });

  it("export --headers-only writes the headers and manifests with the version they were encrypted to", async () => {
    const result = await cli(["export", "--headers-only", "--out", path.join(work, "usb")]);
    expect(result.code, result.out).toBe(0);
    const [name] = await readdir(path.join(work, "usb"));
    expect(name).toMatch(/^testigo-headers-\d{4}-\d{2}-\d{2}\.tar$/);
    headersFile = path.join(work, "usb", name!);
    const file = await readHeadersFile(headersFile);
    const byId = new Map(file.index.submissions.map((s) => [s.id, s]));
    expect(byId.get(oldSub.id)).toEqual({ id: oldSub.id, keyringVersion: 1, parts: ["header-0", "header-1", "manifest"] });
    expect(byId.get(newSub.id)?.keyringVersion).toBe(2);
    expect([...file.parts.keys()].some((k) => k.includes("chunk"))).toBe(false);
  });

  it("keys rewrap, offline with A's secret key, re-encrypts the session keys to B and keeps each SEIPD packet", async () => {
    await writeFile(path.join(work, "a-secret.asc"), keyA.armoredPrivate, { mode: 0o600 });
    rewrapped = path.join(work, "rewrapped.tar");
    const result = await cli(["keys", "rewrap", headersFile, "--key", path.join(work, "a-secret.asc"), "--keys-dir", keysDir, "--out", rewrapped]);
    expect(result.code, result.out).toBe(0);
    expect(result.out).toContain(`rewrapped ${3 + material.files.length + 1} header(s) and manifest(s) to keyring version 2`);
    expect(result.out).toContain("2 already encrypted to exactly the current keys");
    const file = await readHeadersFile(rewrapped);
    expect(file.index.rewrappedToVersion).toBe(2);
    const idB = await encryptionKeyId(keyB.publicKey);
    const browserParts = [...material.files.map((_, i) => `header-${i}`), "manifest"];
    for (const [id, name] of [...["header-0", "header-1", "manifest"].map((n) => [oldSub.id, n]), ...browserParts.map((n) => [browserId, n])]) {
      const bytes = file.parts.get(`${id}/${name}`)!;
      expect(await pkeskKeyIds(bytes)).toEqual([idB]);
      const before = encryptedPacketOf(await readBlob(portal().dataDir, id!, name!));
      const after = encryptedPacketOf(bytes);
      if (!before.ok || !after.ok) throw new Error("no encrypted packet");
      expect(after.bytes).toEqual(before.bytes);
    }
  });

  it("import-rewrap refuses a part whose SEIPD packet was altered, by name, and imports the rest", async () => {
    const file = await readHeadersFile(rewrapped);
    const key = `${oldSub.id}/header-1`;
    const altered = new Uint8Array(file.parts.get(key)!);
    altered[altered.length - 5]! ^= 0x01;
    file.parts.set(key, altered);
    const bad = path.join(work, "altered.tar");
    await writeHeadersFile(bad, file);
    const result = await cli(["keys", "import-rewrap", bad]);
    expect(result.code, result.out).toBe(2);
    expect(result.out).toContain(`REFUSED ${key}: its encrypted packet differs from the stored one`);
    expect(result.out).toContain(`replaced ${oldSub.id}/header-0`);
    expect(result.out).toContain(`replaced ${oldSub.id}/manifest`);
    expect(await pkeskKeyIds(await readBlob(portal().dataDir, oldSub.id, "header-1"))).toEqual([await encryptionKeyId(keyA.publicKey)]);
    // Not every keyed part names the new keys yet, so the submission still counts as version 1.
    const again = await cli(["export", "--headers-only", "--out", path.join(work, "usb-after-partial")]);
    expect(again.code, again.out).toBe(0);
    const [name] = await readdir(path.join(work, "usb-after-partial"));
    const listed = await readHeadersFile(path.join(work, "usb-after-partial", name!));
    expect(listed.index.submissions.find((s) => s.id === oldSub.id)?.keyringVersion).toBe(1);
  });

  it("import-rewrap of the genuine file replaces the rest and keeps the old headers, which recover() keeps too", async () => {
    const result = await cli(["keys", "import-rewrap", rewrapped]);
    expect(result.code, result.out).toBe(0);
    expect(result.out).toContain(`replaced ${oldSub.id}/header-1`);
    expect(result.out).toContain(`already in place ${oldSub.id}/header-0`);
    const dir = path.dirname(blobPath(portal().dataDir, oldSub.id, "manifest"));
    // Named after the version the old headers were encrypted to, including the one refused before.
    expect((await readdir(dir)).filter((n) => n.includes(".pre-rewrap-")).sort()).toEqual(
      ["header-0.pre-rewrap-1", "header-1.pre-rewrap-1", "manifest.pre-rewrap-1"],
    );
    const db = openDb(path.join(portal().dataDir, "testigo.sqlite"));
    try {
      const store = new SubmissionStore(db, portal().dataDir, { submissionBytes: 1 << 30, minFreeBytes: 0 });
      await store.recover();
      expect((await stat(path.join(dir, "header-0.pre-rewrap-1"))).isFile()).toBe(true);
      // Every keyed part now names version 2's keys, so the submission is recorded as such.
      expect(store.status(oldSub.id)?.keyringVersion).toBe(2);
    } finally {
      db.close();
    }
  });

  it("with A's secret key destroyed, testigo export + decrypt with B alone reads all three submissions byte for byte", async () => {
    await unlink(path.join(work, "a-secret.asc"));
    await writeFile(path.join(work, "b-secret.asc"), keyB.armoredPrivate, { mode: 0o600 });
    const exported = await cli(["export", "--out", path.join(work, "bundles")]);
    expect(exported.code, exported.out).toBe(0);
    const bundles = await readdir(path.join(work, "bundles"));
    expect(bundles).toHaveLength(3);
    const out = path.join(work, "plain");
    for (const bundle of bundles) {
      const result = await cli(["decrypt", path.join(work, "bundles", bundle), "--key", path.join(work, "b-secret.asc"), "--out", out]);
      expect(result.code, result.out).toBe(0);
      expect(result.out).not.toContain("NETWORK-ATTEMPT");
    }
    for (const [sub, files] of [[oldSub, oldFiles], [newSub, newFiles]] as const) {
      const dir = path.join(out, sub.id);
      expect(await readFile(path.join(dir, "verification.txt"), "utf8")).toContain("Overall: OK");
      for (const [i, f] of files.entries()) {
        expect(new Uint8Array(await readFile(path.join(dir, writtenName(i, f.name))))).toEqual(f.data);
      }
    }
    const dir = path.join(out, browserId);
    expect(await readFile(path.join(dir, "verification.txt"), "utf8")).toContain("Overall: OK");
    for (const [i, f] of material.files.entries()) {
      expect(new Uint8Array(await readFile(path.join(dir, writtenName(i, f.name))))).toEqual(new Uint8Array(f.data));
    }
  });

  it("after drop-old-headers, the GnuPG script with B alone reads all three submissions byte for byte", async () => {
    const dropped = await cli(["keys", "drop-old-headers"]);
    expect(dropped.code, dropped.out).toBe(0);
    expect(dropped.out).toContain(`removed ${3 + material.files.length + 1} pre-rewrap header file(s)`);
    await home.gpgOk(["--import"], keyB.armoredPrivate);
    const all = [
      { id: oldSub.id, files: oldFiles.map((f) => f.data) },
      { id: newSub.id, files: newFiles.map((f) => f.data) },
      { id: browserId, files: material.files.map((f) => new Uint8Array(f.data)) },
    ];
    for (const sub of all) {
      const out = path.join(work, `gpg-${sub.id}`);
      await mkdir(out);
      const dir = path.dirname(blobPath(portal().dataDir, sub.id, "manifest"));
      const result = await runScript(DECRYPT_SCRIPT, [dir, out], { env: home.env });
      expect(result.code, result.stderr.toString()).toBe(0);
      for (const [i, data] of sub.files.entries()) {
        expect(new Uint8Array(await readFile(path.join(out, `file-${i}`)))).toEqual(data);
      }
    }
  });
});
