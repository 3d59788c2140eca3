/**
 * What the browser tests share whatever the browser: a witness's material (report with sentinels,
 * a small text file, a big random file), and the editor's side of the check (decrypt what the
 * portal stored, offline, and compare byte for byte).
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import type { Report } from "~/envelope/format";
import { verifyAndDecryptSubmission, type SubmissionResult } from "../../../cli/decrypt/verify-submission";
import { readSecretKey } from "../../support/submission";
import { blobDir } from "../../support/stored";
import { sentinelNeedles, type Needle } from "./leaks";

export function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

export function sentinel(kind: string): string {
  return `SENTINEL-${kind}-${randomBytes(16).toString("hex")}`;
}

export interface WitnessFile {
  /** The name the browser sees (the file's base name on disk). */
  name: string;
  path: string;
  data: Buffer;
  sha256: string;
}

export interface WitnessMaterial {
  dir: string;
  report: Report;
  files: WitnessFile[];
  /** Every sentinel, each in every encoding worth searching. */
  needles: Needle[];
  sentinels: { report: string; content: string; name: string };
  /** The whole text file, also searched for as is. */
  textContent: string;
  remove(): Promise<void>;
}

/**
 * A report whose fields carry a sentinel (plus non-ASCII text, so the byte-for-byte comparison
 * covers UTF-8), a text file whose content and name carry the other two, and `randomBytes` of
 * random data: incompressible, so no run of it can appear in a body by chance.
 */
export async function makeWitnessMaterial(options: { randomBytes: number; randomName?: string }): Promise<WitnessMaterial> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "testigo-witness-"));
  const sentinels = { report: sentinel("REPORT"), content: sentinel("CONTENT"), name: sentinel("NAME") };
  const report: Report = {
    what: `Vi cómo se llevaban las actas de la mesa 12. ${sentinels.report} — fin.`,
    where: "Escuela Simón Bolívar, Maracaibo",
    when: "2024-07-28, 21:40",
    who: `Dos hombres de camisa roja; ñandú ${sentinels.report}`,
  };
  const textContent = `Acta de escrutinio, mesa 12.\nVotos: 311.\n${sentinels.content}\nFirmado: testigo de mesa.\n`;
  const textName = `acta-mesa-12-${sentinels.name}.txt`;
  const random = randomBytes(options.randomBytes);
  const randomName = options.randomName ?? "video-mesa-12.mp4";
  const files: WitnessFile[] = [];
  for (const [name, data] of [
    [textName, Buffer.from(textContent, "utf8")],
    [randomName, random],
  ] as const) {
    const file = path.join(dir, name);
    await writeFile(file, data);
    files.push({ name, path: file, data, sha256: sha256(data) });
  }
  const needles = [
    ...sentinelNeedles("report sentinel", sentinels.report),
    ...sentinelNeedles("file content sentinel", sentinels.content),
    ...sentinelNeedles("file name sentinel", sentinels.name),
    { label: "text file content (UTF-8)", bytes: Buffer.from(textContent, "utf8") },
  ];
  return { dir, report, files, needles, sentinels, textContent, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A random file alone (for the network and crash tests), with a report sentinel. */
export async function makeRandomFile(bytes: number, name = "video.mp4"): Promise<{ dir: string; file: WitnessFile; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "testigo-witness-"));
  const data = randomBytes(bytes);
  const file = path.join(dir, name);
  await writeFile(file, data);
  return { dir, file: { name, path: file, data, sha256: sha256(data) }, remove: () => rm(dir, { recursive: true, force: true }) };
}

const SUBMISSION_URL = /\/api\/v1\/submissions\/([0-9a-f]{32})(?:\/|$)/;

/** The submission ids named in a list of request URLs. */
export function submissionIds(urls: readonly string[]): string[] {
  return [...new Set(urls.flatMap((u) => SUBMISSION_URL.exec(new URL(u).pathname)?.slice(1, 2) ?? []))];
}

const PART_URL = /^\/api\/v1\/submissions\/([0-9a-f]{32})\/parts\/([a-z0-9-]+)$/;

export function partOf(url: string): { id: string; part: string } | null {
  const m = PART_URL.exec(new URL(url).pathname);
  return m ? { id: m[1]!, part: m[2]! } : null;
}

export interface Decrypted {
  result: SubmissionResult;
  outDir: string;
  /** Files the verifier wrote, by name (01-<name>, report.md, verification.txt). */
  written: Map<string, Buffer>;
  remove(): Promise<void>;
}

/** The editor's offline check of what the server stored, with the demo editor's secret key. */
export async function decryptStored(dataDir: string, id: string, demoSecretKeyPath: string | null): Promise<Decrypted> {
  if (!demoSecretKeyPath) throw new Error("the portal is not in demo mode: no demo secret key to decrypt with");
  const outDir = await mkdtemp(path.join(os.tmpdir(), "testigo-decrypted-"));
  const result = await verifyAndDecryptSubmission({
    dir: blobDir(dataDir, id),
    submissionId: id,
    keys: [await readSecretKey(demoSecretKeyPath)],
    outDir,
  });
  const written = new Map<string, Buffer>();
  for (const name of (await readdir(outDir)).sort()) written.set(name, await readFile(path.join(outDir, name)));
  return { result, outDir, written, remove: () => rm(outDir, { recursive: true, force: true }) };
}

/** The verifier's output name for the i-th file, when the name needs no cleaning (ours do not). */
export function writtenName(index: number, name: string): string {
  return `${String(index + 1).padStart(2, "0")}-${name}`;
}

/** What the acknowledgement of a PUT says (the API's StoredPart). */
export const PartAckSchema = z.object({ name: z.string(), size: z.number().int(), sha256: z.string().regex(/^[0-9a-f]{64}$/) });

/** The expected stored part names for a submission of files with these chunk counts. */
export function expectedPartNames(chunks: readonly number[]): string[] {
  const names = ["manifest"];
  chunks.forEach((count, file) => {
    names.push(`header-${file}`);
    for (let c = 0; c < count; c++) names.push(`chunk-${file}-${c}`);
  });
  return names.sort();
}
