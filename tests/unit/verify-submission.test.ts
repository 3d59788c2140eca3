/**
 * The offline verifier against tampering: a flipped byte, a dropped chunk, swapped chunks, and a
 * manifest replaced by someone holding only ciphertext are each reported by name, and no file is
 * written as if it were whole.
 */
import { describe, expect, it, beforeAll } from "vitest";
import { mkdtemp, readFile, readdir, rename, rm, writeFile, mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createHash } from "node:crypto";
import { encryptManifest } from "~/envelope/encrypt";
import { randomBytes } from "~/envelope/hex";
import { verifyAndDecryptSubmission } from "../../cli/decrypt/verify-submission";
import { buildSubmission, type BuiltSubmission } from "../support/submission";
import { makeEditorKey, type TestEditorKey } from "../support/keys";

let editor: TestEditorKey;
const video = randomBytes(300 * 1024);
const note = new TextEncoder().encode("acta 117: votos anulados");

beforeAll(async () => {
  editor = await makeEditorKey();
});

async function materialise(sub: BuiltSubmission): Promise<{ dir: string; out: string }> {
  const root = await mkdtemp(path.join(os.tmpdir(), "testigo-verify-"));
  const dir = path.join(root, sub.id);
  await mkdir(dir);
  for (const p of sub.parts) await writeFile(path.join(dir, p.name), p.bytes);
  const out = path.join(root, "out");
  await mkdir(out);
  return { dir, out };
}

async function build(): Promise<BuiltSubmission> {
  return buildSubmission({
    recipients: [editor.publicKey],
    files: [
      { name: "../../video.mp4", type: "video/mp4", data: video },
      { name: "nota.txt", type: "text/plain", data: note },
    ],
    report: { what: "Se llevaron las actas", where: "Escuela 12" },
    chunkSize: 64 * 1024,
  });
}

describe("offline verification", () => {
  it("an intact submission decrypts byte for byte, with report and verification", async () => {
    const sub = await build();
    const { dir, out } = await materialise(sub);
    const result = await verifyAndDecryptSubmission({ dir, submissionId: sub.id, keys: [editor.privateKey], outDir: out });
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    expect(new Uint8Array(await readFile(path.join(out, "01-video.mp4")))).toEqual(video);
    expect(new Uint8Array(await readFile(path.join(out, "02-nota.txt")))).toEqual(note);
    expect(await readFile(path.join(out, "report.md"), "utf8")).toContain("Se llevaron las actas");
    const verification = await readFile(path.join(out, "verification.txt"), "utf8");
    expect(verification).toContain(createHash("sha256").update(video).digest("hex"));
    expect(verification).toContain("Overall: OK");
    await rm(path.dirname(dir), { recursive: true });
  });

  it("a flipped byte in a chunk is reported and the file is not written", async () => {
    const sub = await build();
    const { dir, out } = await materialise(sub);
    const target = path.join(dir, "chunk-0-2");
    const bytes = await readFile(target);
    const at = bytes.length - 30;
    bytes.writeUInt8(bytes.readUInt8(at) ^ 0x01, at);
    await writeFile(target, bytes);
    const result = await verifyAndDecryptSubmission({ dir, submissionId: sub.id, keys: [editor.privateKey], outDir: out });
    expect(result.ok).toBe(false);
    expect(result.files[0]!.problems.join("\n")).toMatch(/chunk-0-2: altered/);
    expect(result.files[0]!.writtenAs).toBeNull();
    expect(result.files[1]!.ok).toBe(true);
    expect((await readdir(out)).sort()).toEqual(["02-nota.txt", "report.md", "verification.txt"]);
  });

  it("a dropped chunk is reported; --salvage writes the rest marked INCOMPLETE", async () => {
    const sub = await build();
    const { dir, out } = await materialise(sub);
    await rm(path.join(dir, "chunk-0-1"));
    const result = await verifyAndDecryptSubmission({ dir, submissionId: sub.id, keys: [editor.privateKey], outDir: out, salvage: true });
    expect(result.ok).toBe(false);
    expect(result.files[0]!.problems).toContain("chunk-0-1: missing");
    expect(result.files[0]!.writtenAs).toBe("01-video.mp4.INCOMPLETE");
  });

  it("swapped chunks are reported as out of place", async () => {
    const sub = await build();
    const { dir, out } = await materialise(sub);
    await rename(path.join(dir, "chunk-0-0"), path.join(dir, "tmp"));
    await rename(path.join(dir, "chunk-0-1"), path.join(dir, "chunk-0-0"));
    await rename(path.join(dir, "tmp"), path.join(dir, "chunk-0-1"));
    const result = await verifyAndDecryptSubmission({ dir, submissionId: sub.id, keys: [editor.privateKey], outDir: out });
    const problems = result.files[0]!.problems.join("\n");
    expect(problems).toMatch(/chunk-0-0: .*(out of place|altered)/);
    expect(problems).toMatch(/chunk-0-1: .*(out of place|altered)/);
    expect(result.files[0]!.writtenAs).toBeNull();
  });

  it("a manifest forged by someone holding only ciphertext is detected", async () => {
    const sub = await build();
    const { dir, out } = await materialise(sub);
    // The forger knows every ciphertext hash but not the chunk keys: it must guess the commitment.
    const forged = {
      ...sub.manifest,
      report: { ...sub.manifest.report, what: "nada pasó" },
      files: sub.manifest.files.map((f) => ({ ...f, chunkKeySha256: createHash("sha256").update(randomBytes(32)).digest("hex") })),
    };
    await writeFile(path.join(dir, "manifest"), await encryptManifest({ manifest: forged, recipients: [editor.publicKey] }));
    const result = await verifyAndDecryptSubmission({ dir, submissionId: sub.id, keys: [editor.privateKey], outDir: out });
    expect(result.ok).toBe(false);
    for (const f of result.files) expect(f.problems.join("\n")).toMatch(/chunk key does not match/);
  });

  it("an extra part is reported", async () => {
    const sub = await build();
    const { dir, out } = await materialise(sub);
    await writeFile(path.join(dir, "chunk-1-9"), sub.parts[1]!.bytes);
    const result = await verifyAndDecryptSubmission({ dir, submissionId: sub.id, keys: [editor.privateKey], outDir: out });
    expect(result.problems).toContain("chunk-1-9: not listed in the manifest");
  });
});
