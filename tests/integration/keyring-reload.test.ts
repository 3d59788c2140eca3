/**
 * Keyring rotation on a running portal: a newly signed keyring is picked up without a restart; a
 * submission begun on the old version finishes against it within the grace period (and decrypts),
 * new submissions must be encrypted to the new version; a hand-edited keyring and a rollback to an
 * older signed version are not loaded; with no grace, the old submission's manifest is refused.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decryptChunk, decryptHeader, decryptManifest } from "~/envelope/decrypt";
import { randomBytes } from "~/envelope/hex";
import { KeyringBundleSchema, KeyringDocumentSchema } from "~/keyring/document";
import { KEYRING_FILE } from "../../server/keyring/files";
import { KeyringStore } from "../../server/keyring/keyring-store";
import { encryptionKeyId, makeEditorKey, writeSignedKeyring, type TestEditorKey } from "../support/keys";
import { makeDataDir, type Portal } from "../support/portal";
import { buildSubmission, putPart, seal, uploadAndSeal, type BuiltSubmission } from "../support/submission";
import { expectApiError, readBlob, withPortal } from "../security/helpers/fixture";

const WAIT_MS = 30_000;

async function servedVersion(witnessUrl: string): Promise<number> {
  const res = await fetch(`${witnessUrl}/api/v1/keyring`);
  const bundle = KeyringBundleSchema.parse(await res.json());
  return KeyringDocumentSchema.parse(JSON.parse(bundle.document)).version;
}

/** Polls until `done()` holds; no timing claim beyond the generous timeout. */
async function waitFor(what: string, done: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Waits for `pattern` in what the portal printed after `from` (an earlier output length). */
function waitForLog(portal: Portal, from: number, pattern: RegExp): Promise<void> {
  return waitFor(`${pattern} in the portal's output`, () => pattern.test(portal.output().slice(from)));
}

async function putParts(portal: Portal, sub: BuiltSubmission, names: readonly string[]): Promise<void> {
  for (const p of sub.parts.filter((x) => names.includes(x.name))) {
    const res = await putPart(portal.witnessUrl, sub.id, p.name, p.bytes);
    expect(res.status, `${p.name}: ${await res.clone().text()}`).toBe(201);
  }
}

function part(sub: BuiltSubmission, name: string): Uint8Array {
  const found = sub.parts.find((p) => p.name === name);
  if (!found) throw new Error(`no part ${name}`);
  return found.bytes;
}

interface Setup {
  keysDir: string;
  keyA: TestEditorKey;
  keyB: TestEditorKey;
  root: { armoredPrivate: string; fingerprint: string };
}

/** A keys directory signed at version 1 with key A only, and the env that points a portal at it. */
async function setUp(): Promise<Setup> {
  const keysDir = await mkdtemp(path.join(os.tmpdir(), "testigo-keys-"));
  const [keyA, keyB] = await Promise.all([makeEditorKey("Editor A"), makeEditorKey("Editor B")]);
  const written = await writeSignedKeyring(keysDir, { editors: [{ key: keyA, status: "active" }], version: 1 });
  return { keysDir, keyA, keyB, root: { armoredPrivate: written.rootArmoredPrivate, fingerprint: written.rootFingerprint } };
}

/** The rotation security staff perform: add B, retire A, sign as version 2, into the live directory. */
async function rotate(s: Setup): Promise<void> {
  await writeSignedKeyring(s.keysDir, {
    editors: [
      { key: s.keyA, status: "retired" },
      { key: s.keyB, status: "active" },
    ],
    version: 2,
    root: s.root,
  });
}

const file = { name: "acta-mesa-7.jpg", type: "image/jpeg", data: randomBytes(10_000) };
const firstParts = ["header-0", "chunk-0-0"];

describe("a running portal and a newly signed keyring (default grace period)", () => {
  let s: Setup;
  const portal = withPortal(async () => {
    s = await setUp();
    return { dataDir: await makeDataDir(), env: { TESTIGO_KEYS_DIR: s.keysDir, TESTIGO_ROOT_FINGERPRINT: s.root.fingerprint } };
  });
  let old: BuiltSubmission;

  afterAll(async () => {
    await rm(s.keysDir, { recursive: true, force: true });
  });

  it("serves the new version without a restart; the submission begun on the old one finishes and decrypts", async () => {
    const { witnessUrl, dataDir } = portal();
    expect(await servedVersion(witnessUrl)).toBe(1);
    old = await buildSubmission({ recipients: [s.keyA.publicKey], files: [file], chunkSize: 4096, report: { what: "antes de la rotación" } });
    await putParts(portal(), old, firstParts);

    const before = portal().output().length;
    await rotate(s);
    await waitFor("version 2 at /api/v1/keyring", async () => (await servedVersion(witnessUrl)) === 2);
    await waitForLog(portal(), before, /testigo: keyring version 2 loaded/);

    // The rest of the old submission, manifest included, is still encrypted to A only.
    await putParts(portal(), old, old.parts.map((p) => p.name).filter((n) => !firstParts.includes(n)));
    const sealed = await seal(witnessUrl, old.id, old.seal);
    expect(sealed.status, await sealed.clone().text()).toBe(200);

    const keys = [s.keyA.privateKey];
    const manifest = await decryptManifest({ bytes: await readBlob(dataDir, old.id, "manifest"), keys, submissionId: old.id });
    expect(manifest.report.what).toBe("antes de la rotación");
    const { chunkKey, description } = await decryptHeader({ bytes: await readBlob(dataDir, old.id, "header-0"), keys, submissionId: old.id, file: 0 });
    const plain: Uint8Array[] = [];
    for (let c = 0; c < description.chunks; c++) {
      const bytes = await readBlob(dataDir, old.id, `chunk-0-${c}`);
      plain.push(await decryptChunk({ bytes, sessionKey: chunkKey, submissionId: old.id, file: 0, chunk: c }));
    }
    expect(Buffer.concat(plain).subarray(0, description.size)).toEqual(Buffer.from(file.data));
  });

  it("refuses a new submission's header to the retired key A, naming the missing key B, and accepts one to B", async () => {
    const { witnessUrl } = portal();
    const toA = await buildSubmission({ recipients: [s.keyA.publicKey], files: [file], chunkSize: 4096 });
    const error = await expectApiError(await putPart(witnessUrl, toA.id, "header-0", part(toA, "header-0")), 422);
    expect(error.message).toContain(await encryptionKeyId(s.keyB.publicKey));

    const toB = await buildSubmission({ recipients: [s.keyB.publicKey], files: [file], chunkSize: 4096 });
    await uploadAndSeal(witnessUrl, toB);
  });

  it("does not load a hand-edited keyring (A flipped back to active, no new signature)", async () => {
    const documentPath = path.join(s.keysDir, KEYRING_FILE);
    const signed = await readFile(documentPath, "utf8");
    const edited = KeyringDocumentSchema.parse(JSON.parse(signed));
    const tampered = { ...edited, version: 3, keys: edited.keys.map((k) => ({ ...k, status: "active" })) };
    const before = portal().output().length;
    await writeFile(documentPath, `${JSON.stringify(tampered, null, 2)}\n`);
    await waitForLog(portal(), before, /keyring in .* not loaded: the keyring signature does not verify.*still serving version 2/);
    expect(await servedVersion(portal().witnessUrl)).toBe(2);
    // Put the signed document back, so the directory is valid again for the next test.
    await writeFile(documentPath, signed);
  });

  it("does not load a rollback to an older signed version", async () => {
    const before = portal().output().length;
    await writeSignedKeyring(s.keysDir, { editors: [{ key: s.keyA, status: "active" }], version: 1, root: s.root });
    await waitForLog(portal(), before, /version 1 is not newer than the current version 2/);
    expect(await servedVersion(portal().witnessUrl)).toBe(2);
    // The old keyring's key is still refused for new submissions.
    const toA = await buildSubmission({ recipients: [s.keyA.publicKey], files: [file], chunkSize: 4096 });
    await expectApiError(await putPart(portal().witnessUrl, toA.id, "header-0", part(toA, "header-0")), 422);
  });
});

describe("a running portal with TESTIGO_KEYRING_GRACE_HOURS=0", () => {
  let s: Setup;
  const portal = withPortal(async () => {
    s = await setUp();
    return {
      dataDir: await makeDataDir(),
      env: { TESTIGO_KEYS_DIR: s.keysDir, TESTIGO_ROOT_FINGERPRINT: s.root.fingerprint, TESTIGO_KEYRING_GRACE_HOURS: "0" },
    };
  });

  afterAll(async () => {
    await rm(s.keysDir, { recursive: true, force: true });
  });

  it("refuses the old submission's manifest to A after the rotation, telling the browser to start again", async () => {
    const { witnessUrl } = portal();
    const old = await buildSubmission({ recipients: [s.keyA.publicKey], files: [file], chunkSize: 4096 });
    await putParts(portal(), old, firstParts);
    await rotate(s);
    await waitFor("version 2 at /api/v1/keyring", async () => (await servedVersion(witnessUrl)) === 2);

    const error = await expectApiError(await putPart(witnessUrl, old.id, "manifest", part(old, "manifest")), 422);
    expect(error.message).toContain(await encryptionKeyId(s.keyB.publicKey));
    expect(error.message).toMatch(/started on keyring version 1.*start the submission again/);
  });
});

describe("KeyringStore grace arithmetic", () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setUp();
  });
  afterAll(async () => {
    await rm(s.keysDir, { recursive: true, force: true });
  });

  it("checks a submission against its starting version until the grace ends, then against the current one", async () => {
    let now = 1_000_000;
    const hour = 60 * 60 * 1000;
    const store = await KeyringStore.load(s.keysDir, s.root.fingerprint, { graceMs: 2 * hour, now: () => now });
    expect((await store.reload()).kind).toBe("unchanged");
    await rotate(s);
    expect(await store.reload()).toMatchObject({ kind: "loaded", version: 2, previous: 1 });
    const idA = await encryptionKeyId(s.keyA.publicKey);

    now += hour;
    const within = store.forSubmission(1);
    expect(within).toMatchObject({ version: 1, graceEnded: null });
    expect(within.keyring.encryptionKeyIds.has(idA)).toBe(true);
    expect(store.forSubmission(null).version).toBe(2);
    expect(store.forSubmission(2).version).toBe(2);

    now += hour;
    const after = store.forSubmission(1);
    expect(after).toMatchObject({ version: 2, graceEnded: { startedOn: 1 } });
    expect(after.keyring.encryptionKeyIds.has(idA)).toBe(false);
    expect(store.graceVersions).toEqual([]);
  });
});
