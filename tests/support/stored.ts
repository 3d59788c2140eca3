/**
 * Reads a submission as the server stored it (dataDir/blobs/<id>/<part>) and decrypts it with
 * the project's own envelope code, checking what an editor's tool must check: the part set, every
 * part's hash against the manifest, the chunk key against the manifest, zero padding, file hashes.
 */
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import type { PrivateKey } from "openpgp";
import { decryptChunk, decryptHeader, decryptManifest } from "~/envelope/decrypt";
import { expectedParts, partName, type FileDescription, type Manifest } from "~/envelope/format";
import { sha256Hex } from "~/envelope/hash";
import { headerContentSha256 } from "~/envelope/header-content";

export function blobDir(dataDir: string, id: string): string {
  return path.join(dataDir, "blobs", id);
}

export async function readParts(dir: string): Promise<Map<string, Uint8Array>> {
  const parts = new Map<string, Uint8Array>();
  for (const name of (await readdir(dir)).sort()) parts.set(name, new Uint8Array(await readFile(path.join(dir, name))));
  return parts;
}

export interface DecryptedSubmission {
  manifest: Manifest;
  descriptions: FileDescription[];
  files: Uint8Array[];
}

export async function decryptStoredWithEnvelope(dir: string, id: string, keys: readonly PrivateKey[]): Promise<DecryptedSubmission> {
  const parts = await readParts(dir);
  const get = (name: string): Uint8Array => {
    const bytes = parts.get(name);
    if (!bytes) throw new Error(`part ${name} is missing`);
    return bytes;
  };
  const manifest = await decryptManifest({ bytes: get("manifest"), keys, submissionId: id });
  const wanted = expectedParts({ format: 1, files: manifest.files.map((f) => ({ chunks: f.chunks })) }).map(partName).sort();
  if (JSON.stringify(wanted) !== JSON.stringify([...parts.keys()])) {
    throw new Error(`stored parts ${[...parts.keys()].join(",")} differ from the manifest's ${wanted.join(",")}`);
  }
  const descriptions: FileDescription[] = [];
  const files: Uint8Array[] = [];
  for (const entry of manifest.files) {
    const f = entry.file;
    const headerBytes = get(`header-${f}`);
    if ((await headerContentSha256(headerBytes)) !== entry.parts.header) throw new Error(`header-${f}: hash differs from the manifest`);
    const { chunkKey, description } = await decryptHeader({ bytes: headerBytes, keys, submissionId: id, file: f });
    if ((await sha256Hex(chunkKey)) !== entry.chunkKeySha256) throw new Error(`file ${f}: chunk key unknown to the manifest`);
    descriptions.push(description);
    const padded = new Uint8Array(description.paddedSize);
    let offset = 0;
    for (let c = 0; c < description.chunks; c++) {
      const bytes = get(`chunk-${f}-${c}`);
      if ((await sha256Hex(bytes)) !== entry.parts.chunks[c]) throw new Error(`chunk-${f}-${c}: hash differs from the manifest`);
      const plain = await decryptChunk({ bytes, sessionKey: chunkKey, submissionId: id, file: f, chunk: c });
      if (plain.length !== Math.min(description.chunkSize, description.paddedSize - offset)) throw new Error(`chunk-${f}-${c}: wrong length`);
      padded.set(plain, offset);
      offset += plain.length;
    }
    if (offset !== description.paddedSize) throw new Error(`file ${f}: chunks do not add up to the padded size`);
    if (padded.subarray(description.size).some((b) => b !== 0)) throw new Error(`file ${f}: padding is not zeros`);
    const data = padded.slice(0, description.size);
    if ((await sha256Hex(data)) !== entry.sha256) throw new Error(`file ${f}: SHA-256 differs from the manifest`);
    files.push(data);
  }
  return { manifest, descriptions, files };
}
