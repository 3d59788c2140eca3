/**
 * Promise 6, GnuPG half: what the browser's envelope code wrote, once stored by a real portal,
 * decrypts with plain GnuPG 2.2 through scripts/gpg-decrypt-submission.sh, byte for byte, and the
 * script notices a dropped, altered, added, swapped or moved part.
 */
import { randomBytes } from "node:crypto";
import { cp, mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PublicKey } from "openpgp";
import { encryptManifest } from "~/envelope/encrypt";
import { toHex } from "~/envelope/hex";
import { sha256Hex } from "~/envelope/hash";
import { ManifestSchema, type Manifest } from "~/envelope/format";
import { DECRYPT_SCRIPT, makeGnupgHome, runScript, type GnupgHome } from "../support/gpg";
import { removeDataDir, startPortal, type Portal } from "../support/portal";
import { blobDir } from "../support/stored";
import { buildSubmission, fetchRecipients, uploadAndSeal, type BuiltSubmission } from "../support/submission";

const CHUNK = 64 * 1024;
const files = [
  // ~300 KiB: padded to 311296 bytes, so five 64 KiB chunks, the last one short.
  { name: "acta-mesa-12.mp4", type: "video/mp4", data: new Uint8Array(randomBytes(300 * 1024 + 17)) },
  { name: "vacío.txt", type: "text/plain", data: new Uint8Array(0) },
  { name: "nota ñ/../../etc/passwd", type: "text/plain", data: new TextEncoder().encode("hola\n") },
];
const report = { what: "Vi cómo se llevaban las actas.\nSegunda línea.", where: "Maracaibo", when: "2024-07-28 21:00", who: "—" };

let portal: Portal;
let home: GnupgHome;
let work: string;
let recipients: PublicKey[];
let sub: BuiltSubmission;

beforeAll(async () => {
  portal = await startPortal();
  home = await makeGnupgHome();
  work = await mkdtemp(path.join(os.tmpdir(), "testigo-interop-"));
  if (!portal.demoSecretKeyPath) throw new Error("the portal did not start in demo mode");
  await home.gpgOk(["--import", portal.demoSecretKeyPath]);
  ({ recipients } = await fetchRecipients(portal.witnessUrl));
  sub = await buildSubmission({ recipients, files, report, chunkSize: CHUNK });
  await uploadAndSeal(portal.witnessUrl, sub);
});

afterAll(async () => {
  await portal?.stop();
  if (portal) await removeDataDir(portal.dataDir);
  await home?.remove();
  if (work) await rm(work, { recursive: true, force: true });
});

/** A copy of the stored submission in a folder named after it, for the script to read. */
async function copyStored(label: string): Promise<string> {
  const dir = path.join(work, label, sub.id);
  await mkdir(path.dirname(dir), { recursive: true });
  await cp(blobDir(portal.dataDir, sub.id), dir, { recursive: true });
  return dir;
}

async function decryptWithScript(dir: string, label: string) {
  const out = path.join(work, `${label}-out`);
  const result = await runScript(DECRYPT_SCRIPT, [dir, out], { env: home.env });
  return { ...result, out };
}

describe("scripts/gpg-decrypt-submission.sh on a browser-made submission", () => {
  it("runs against GnuPG 2.2, what Tails ships (a newer gpg here would leave promise 6 untested)", async () => {
    const { stdout } = await home.gpgOk(["--version"]);
    expect(stdout.toString().split("\n")[0]).toMatch(/^gpg \(GnuPG\) 2\.2\.\d+$/);
  });

  it("decrypts the stored blobs byte for byte, with the report and the claimed names", async () => {
    expect(sub.manifest.files[0]!.chunks).toBe(5);
    const { code, stderr, out } = await decryptWithScript(blobDir(portal.dataDir, sub.id), "stored");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    // Output files are named by index only: the sender's names (one of them a path) never are paths.
    expect((await readdir(out)).sort()).toEqual(["file-0", "file-1", "file-2", "manifest.json", "report.txt"]);
    for (const [i, f] of files.entries()) {
      expect(Buffer.compare(await readFile(path.join(out, `file-${i}`)), Buffer.from(f.data))).toBe(0);
    }
    const manifest: Manifest = ManifestSchema.parse(JSON.parse(await readFile(path.join(out, "manifest.json"), "utf8")));
    expect(manifest).toEqual(sub.manifest);
    expect(manifest.report).toEqual(report);
    const summary = await readFile(path.join(out, "report.txt"), "utf8");
    expect(summary).toContain(`Submission ${sub.id}`);
    expect(summary).toContain('file-2: name "nota ñ/../../etc/passwd"');
  });

  it("recipe: gpg --show-session-key on a header gives the chunk key the description names", async () => {
    const header = path.join(blobDir(portal.dataDir, sub.id), "header-0");
    const result = await home.gpgOk(["--status-fd", "1", "--show-session-key", "-o", path.join(work, "header-0.json"), "--decrypt", header]);
    const sessionKey = /^\[GNUPG:\] SESSION_KEY 9:([0-9A-F]{64})$/m.exec(result.stdout.toString())?.[1];
    expect(sessionKey).toBeDefined();
    const description: unknown = JSON.parse(await readFile(path.join(work, "header-0.json"), "utf8"));
    expect(description).toMatchObject({ chunkKey: sessionKey!.toLowerCase(), size: files[0]!.data.length });
    // And a lone chunk opens with it: the documented by-hand recipe.
    const chunk = await home.gpgOk([
      "--status-fd", "1", "--override-session-key", `9:${sessionKey}`, "-o", path.join(work, "chunk-0-0"),
      "--decrypt", path.join(blobDir(portal.dataDir, sub.id), "chunk-0-0"),
    ]);
    expect(chunk.stdout.toString()).toContain(`[GNUPG:] PLAINTEXT 62 0 testigo/1:${sub.id}:chunk-0-0\n`);
    expect(Buffer.compare(await readFile(path.join(work, "chunk-0-0")), Buffer.from(files[0]!.data.subarray(0, CHUNK)))).toBe(0);
  });

  const tamperings: { label: string; change: (dir: string) => Promise<void>; message: RegExp }[] = [
    { label: "dropped", change: (dir) => rm(path.join(dir, "chunk-0-3")), message: /missing \(dropped\?\): chunk-0-3/ },
    {
      label: "altered",
      change: async (dir) => {
        const file = path.join(dir, "chunk-0-1");
        const bytes = await readFile(file);
        const at = bytes.length - 40;
        bytes[at] = bytes[at]! ^ 0x01;
        await writeFile(file, bytes);
      },
      message: /SHA-256 differs from the manifest/,
    },
    { label: "added", change: (dir) => cp(path.join(dir, "chunk-0-4"), path.join(dir, "chunk-0-5")), message: /not listed \(added or misnamed\): chunk-0-5/ },
    {
      label: "swapped",
      change: async (dir) => {
        await rename(path.join(dir, "chunk-0-1"), path.join(dir, "tmp"));
        await rename(path.join(dir, "chunk-0-2"), path.join(dir, "chunk-0-1"));
        await rename(path.join(dir, "tmp"), path.join(dir, "chunk-0-2"));
      },
      message: /SHA-256 differs from the manifest/,
    },
  ];
  for (const t of tamperings) {
    it(`fails, and writes no verified file, when a part is ${t.label}`, async () => {
      const dir = await copyStored(t.label);
      await t.change(dir);
      const { code, stderr, out } = await decryptWithScript(dir, t.label);
      expect(code).toBe(1);
      expect(stderr).toMatch(t.message);
      expect((await readdir(out)).filter((n) => /^file-\d+$/.test(n))).toEqual([]);
    });
  }

  it("catches a part moved to another place by its literal-data name, even when the manifest agrees", async () => {
    // Whoever wrote this manifest knew the chunk key and listed the swapped chunks' hashes: only
    // the literal-data names (testigo/1:<id>:chunk-F-C) still say the chunks are out of order.
    const dir = path.join(work, "moved", sub.id);
    await mkdir(dir, { recursive: true });
    const bytesOf = (name: string) => sub.parts.find((p) => p.name === name)!.bytes;
    for (const p of sub.parts) if (p.name !== "manifest") await writeFile(path.join(dir, p.name), p.bytes);
    await writeFile(path.join(dir, "chunk-0-0"), bytesOf("chunk-0-1"));
    await writeFile(path.join(dir, "chunk-0-1"), bytesOf("chunk-0-0"));
    const manifest = structuredClone(sub.manifest);
    const chunkHashes = manifest.files[0]!.parts.chunks;
    [chunkHashes[0], chunkHashes[1]] = [chunkHashes[1]!, chunkHashes[0]!];
    expect(chunkHashes[0]).toBe(await sha256Hex(bytesOf("chunk-0-1")));
    await writeFile(path.join(dir, "manifest"), await encryptManifest({ manifest, recipients }));

    const { code, stderr } = await decryptWithScript(dir, "moved");
    expect(code).toBe(1);
    expect(stderr).toContain(`chunk-0-0: bound to "testigo/1:${sub.id}:chunk-0-1", expected "testigo/1:${sub.id}:chunk-0-0"`);
  });

  it("holds every part to the submission id: a folder named after another submission is refused", async () => {
    const other = toHex(new Uint8Array(randomBytes(16)));
    const dir = path.join(work, "renamed", other);
    await mkdir(path.dirname(dir), { recursive: true });
    await cp(blobDir(portal.dataDir, sub.id), dir, { recursive: true });
    const { code, stderr } = await decryptWithScript(dir, "renamed");
    expect(code).toBe(1);
    expect(stderr).toContain(`manifest: bound to "testigo/1:${sub.id}:manifest", expected "testigo/1:${other}:manifest"`);
  });
});
