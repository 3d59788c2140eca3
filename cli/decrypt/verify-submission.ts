/**
 * Offline verification and decryption of one submission given as a directory of parts (the blob
 * layout, and the unpacked form of an export bundle). Every part is checked against the manifest
 * (hash, place, key commitment) before its plaintext counts; a file is written under its name only
 * if every chunk is present, intact and in place and its plaintext hash matches the manifest.
 * Memory: one chunk at a time.
 */
import { createHash } from "node:crypto";
import { open, readdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import type { PrivateKey } from "openpgp";
import { decryptChunk, decryptHeader, decryptManifest } from "../../app/envelope/decrypt";
import { encryptedPacketOf } from "../../app/envelope/header-content";
import { partName, type Manifest, type SubmissionId } from "../../app/envelope/format";
import { safeFileName } from "./safe-name";
import type { ThreadResult } from "./verify-thread";

/** A bundle's unencrypted index, unpacked beside the parts; bookkeeping, not a part. */
const BUNDLE_INDEX_FILE = "index.json";

export interface FileResult {
  index: number;
  name: string;
  writtenAs: string | null;
  size: number;
  sha256Expected: string;
  sha256Actual: string | null;
  ok: boolean;
  problems: string[];
}

export interface SubmissionResult {
  submissionId: string;
  ok: boolean;
  manifest: Manifest | null;
  files: FileResult[];
  problems: string[];
  /** For a thread's root: its follow-ups and replies, checked by verifyAndDecryptThread. */
  thread: ThreadResult | null;
}

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

async function readPart(dir: string, name: string): Promise<Uint8Array | null> {
  try {
    return new Uint8Array(await readFile(path.join(dir, name)));
  } catch {
    return null;
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function decryptFile(args: {
  dir: string;
  outDir: string;
  submissionId: SubmissionId;
  keys: readonly PrivateKey[];
  entry: Manifest["files"][number];
  salvage: boolean;
}): Promise<FileResult> {
  const { dir, entry, submissionId } = args;
  const result: FileResult = {
    index: entry.file, name: entry.name, writtenAs: null, size: entry.size,
    sha256Expected: entry.sha256, sha256Actual: null, ok: false, problems: [],
  };
  const problem = (p: string) => result.problems.push(p);
  const headerName = partName({ kind: "header", file: entry.file });
  const header = await readPart(dir, headerName);
  if (!header) {
    problem(`${headerName}: missing`);
    return result;
  }
  // The manifest commits to the header's encrypted packet only: its PKESKs are rewritten by key
  // rotation (testigo keys rewrap), which the witness's manifest cannot follow.
  const content = encryptedPacketOf(header);
  if (!content.ok) problem(`${headerName}: malformed (${content.reason})`);
  else if (sha256(content.bytes) !== entry.parts.header) problem(`${headerName}: altered (hash of its encrypted packet differs from the manifest)`);
  let opened;
  try {
    opened = await decryptHeader({ bytes: header, keys: args.keys, submissionId, file: entry.file });
  } catch (error) {
    problem(`${headerName}: cannot be decrypted or is out of place (${describeError(error)})`);
    return result;
  }
  const d = opened.description;
  if (sha256(opened.chunkKey) !== entry.chunkKeySha256) problem(`${headerName}: chunk key does not match the manifest's commitment`);
  for (const field of ["name", "type", "size", "paddedSize", "chunkSize", "chunks"] as const) {
    if (d[field] !== entry[field]) problem(`${headerName}: ${field} differs from the manifest`);
  }
  if (entry.parts.chunks.length !== entry.chunks) problem(`manifest lists ${entry.parts.chunks.length} chunk hashes for ${entry.chunks} chunks`);

  const finalName = safeFileName(entry.file, entry.name);
  const tempPath = path.join(args.outDir, `.${finalName}.partial`);
  const out = await open(tempPath, "wx", 0o600);
  const hash = createHash("sha256");
  let written = 0;
  try {
    for (let c = 0; c < entry.chunks; c++) {
      const name = partName({ kind: "chunk", file: entry.file, chunk: c });
      const bytes = await readPart(dir, name);
      const expectedLength = Math.min(entry.chunkSize, entry.paddedSize - c * entry.chunkSize);
      let plaintext: Uint8Array;
      if (!bytes) {
        problem(`${name}: missing`);
        plaintext = new Uint8Array(Math.max(0, expectedLength));
      } else {
        if (sha256(bytes) !== entry.parts.chunks[c]) problem(`${name}: altered or out of place (hash differs from the manifest)`);
        try {
          plaintext = await decryptChunk({ bytes, sessionKey: opened.chunkKey, submissionId, file: entry.file, chunk: c });
          if (plaintext.length !== expectedLength) problem(`${name}: ${plaintext.length} bytes, expected ${expectedLength}`);
        } catch (error) {
          problem(`${name}: cannot be decrypted or is out of place (${describeError(error)})`);
          plaintext = new Uint8Array(Math.max(0, expectedLength));
        }
      }
      const keep = plaintext.subarray(0, Math.max(0, Math.min(plaintext.length, entry.size - written)));
      hash.update(keep);
      await out.write(keep);
      written += keep.length;
    }
    await out.sync();
  } finally {
    await out.close();
  }
  result.sha256Actual = hash.digest("hex");
  if (written !== entry.size) problem(`wrote ${written} bytes, the manifest says ${entry.size}`);
  if (result.sha256Actual !== entry.sha256) problem(`plaintext SHA-256 differs from the manifest (and the witness's receipt)`);
  result.ok = result.problems.length === 0;
  if (result.ok || args.salvage) {
    const target = result.ok ? finalName : `${finalName}.INCOMPLETE`;
    await linkNoOverwrite(tempPath, path.join(args.outDir, target));
    result.writtenAs = target;
  } else {
    await unlink(tempPath);
  }
  return result;
}

/** rename() would silently replace an existing file; refuse instead. */
async function linkNoOverwrite(from: string, to: string): Promise<void> {
  const probe = await open(to, "wx");
  await probe.close();
  await rename(from, to);
}

export async function verifyAndDecryptSubmission(args: {
  dir: string;
  submissionId: SubmissionId;
  keys: readonly PrivateKey[];
  outDir: string;
  salvage?: boolean;
  /** Problems found before decryption (e.g. a bundle whose parts differ from its index). */
  knownProblems?: readonly string[];
  /**
   * The thread the bundle's index says this follow-up belongs to. The server wrote that; the
   * witness's manifest must say the same, or the server linked what the witness did not.
   */
  expectedThread?: string;
  /** This submission is a thread's root: the thread's checked follow-ups and replies. */
  thread?: ThreadResult;
}): Promise<SubmissionResult> {
  const result: SubmissionResult = {
    submissionId: args.submissionId, ok: false, manifest: null, files: [], problems: [...(args.knownProblems ?? [])], thread: args.thread ?? null,
  };
  const manifestBytes = await readPart(args.dir, "manifest");
  if (!manifestBytes) {
    result.problems.push("manifest: missing; nothing can be verified");
    return result;
  }
  try {
    result.manifest = await decryptManifest({ bytes: manifestBytes, keys: args.keys, submissionId: args.submissionId });
  } catch (error) {
    result.problems.push(`manifest: cannot be decrypted or belongs elsewhere (${describeError(error)})`);
    return result;
  }
  const manifest = result.manifest;
  if (args.expectedThread !== undefined && manifest.thread !== args.expectedThread) {
    result.problems.push(
      manifest.thread === undefined
        ? `thread: the bundle links this submission to thread ${args.expectedThread}, but the witness's manifest names no thread`
        : `thread: the bundle links this submission to thread ${args.expectedThread}, but the witness's manifest names thread ${manifest.thread}`,
    );
  }
  const expected = new Set<string>(["manifest"]);
  for (const entry of manifest.files) {
    expected.add(partName({ kind: "header", file: entry.file }));
    for (let c = 0; c < entry.chunks; c++) expected.add(partName({ kind: "chunk", file: entry.file, chunk: c }));
  }
  for (const name of (await readdir(args.dir)).sort()) {
    if (name !== BUNDLE_INDEX_FILE && !expected.has(name)) result.problems.push(`${name}: not listed in the manifest`);
  }
  manifest.files.forEach((entry, i) => {
    if (entry.file !== i) result.problems.push(`manifest: file ${i} is numbered ${entry.file}`);
  });
  for (const entry of manifest.files) {
    result.files.push(
      await decryptFile({ dir: args.dir, outDir: args.outDir, submissionId: args.submissionId, keys: args.keys, entry, salvage: args.salvage ?? false }),
    );
  }
  await writeFile(path.join(args.outDir, "report.md"), renderReport(manifest, result.thread), { flag: "wx", mode: 0o600 });
  result.ok = result.problems.length === 0 && result.files.every((f) => f.ok) && (result.thread?.ok ?? true);
  await writeFile(path.join(args.outDir, "verification.txt"), renderVerification(result), { flag: "wx", mode: 0o600 });
  return result;
}

function renderReport(manifest: Manifest, thread: ThreadResult | null): string {
  const r = manifest.report;
  const section = (title: string, text: string) => `## ${title}\n\n${text.trim() === "" ? "(empty)" : text}\n`;
  return [
    `# Submission ${manifest.submission}\n`,
    `Language of the form: ${manifest.language}\n`,
    section("What happened", r.what),
    section("Where", r.where),
    section("When", r.when),
    section("Who was involved", r.who),
    `## Files\n\n${manifest.files.map((f) => `- ${JSON.stringify(f.name)} (${f.type || "unknown type"}, ${f.size} bytes)`).join("\n") || "(none)"}\n`,
    ...(manifest.thread !== undefined ? [`## Thread\n\nA follow-up: the witness's manifest names thread ${manifest.thread}. Its first submission, with the editors' replies, decrypts into the folder ../${manifest.thread}/ when it is in the same bundle.\n`] : []),
    ...(thread ? renderThreadReport(thread) : []),
  ].join("\n");
}

function renderThreadReport(thread: ThreadResult): string[] {
  const followUps = thread.followUps.map((f) => `- ${f.id} (${f.day})${f.inBundle ? `: decrypted in the folder ../${f.id}/` : ": NOT in this bundle"}`);
  const replies = thread.replies.map((r) => `- ${r.n}. ${r.day}: ${r.writtenAs ?? "NOT written (see verification.txt)"}${r.signature ? `; ${r.signature}` : ""}`);
  return [
    `## Follow-ups\n\nThe witness came back with ${thread.followUps.length} follow-up submission(s).\n\n${followUps.join("\n") || "(none)"}\n`,
    `## Replies\n\nEditors sent ${thread.replies.length} reply(ies) to the witness, decrypted into replies/.\n\n${replies.join("\n") || "(none)"}\n`,
    `Witness key: ${thread.witnessKeyFingerprint ?? "(none: the witness chose no codename)"}\n`,
  ];
}

function renderVerification(result: SubmissionResult): string {
  const lines = [
    `Testigo verification of submission ${result.submissionId}`,
    `Overall: ${result.ok ? "OK: every part present, intact and in place" : "PROBLEMS FOUND"}`,
    "",
  ];
  for (const p of result.problems) lines.push(`submission: ${p}`);
  for (const f of result.files) {
    lines.push(`file ${f.index + 1}: ${JSON.stringify(f.name)}`);
    lines.push(`  written as: ${f.writtenAs ?? "(not written)"}`);
    lines.push(`  size: ${f.size}`);
    lines.push(`  sha256 (receipt): ${f.sha256Expected}`);
    lines.push(`  sha256 (decrypted): ${f.sha256Actual ?? "(none)"}`);
    lines.push(`  result: ${f.ok ? "OK" : "FAILED"}`);
    for (const p of f.problems) lines.push(`  problem: ${p}`);
  }
  const thread = result.thread;
  if (thread) {
    lines.push(`thread ${thread.thread}: ${thread.ok ? "OK" : "PROBLEMS FOUND"}`);
    lines.push(`  witness key: ${thread.witnessKeyFingerprint ?? "(none)"}`);
    for (const p of thread.problems) lines.push(`  problem: ${p}`);
    for (const f of thread.followUps) lines.push(`follow-up ${f.id} (${f.day}): ${f.inBundle ? `see ../${f.id}/verification.txt` : "MISSING from the bundle"}`);
    for (const r of thread.replies) {
      lines.push(`reply ${r.n}: ${r.id} (${r.day})`);
      lines.push(`  written as: ${r.writtenAs ?? "(not written)"}`);
      lines.push(`  signature: ${r.signature ?? "(not known: the reply did not open)"}`);
      lines.push(`  result: ${r.ok ? "OK" : "FAILED"}`);
      for (const p of r.problems) lines.push(`  problem: ${p}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
