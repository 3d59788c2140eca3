/**
 * The browser's encryption code (encryptFileParts, the exact module the submit page runs) under
 * Node, decrypted with the editor's secret key: empty, tiny, exact chunk multiples, multi-chunk.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { encryptFileParts } from "~/submit/encrypt-file.client";
import { decryptChunk, decryptHeader } from "~/envelope/decrypt";
import { inspectChunk, inspectKeyedMessage } from "~/envelope/inspect";
import { paddedSize } from "~/envelope/padding";
import { randomBytes } from "~/envelope/hex";
import { encryptedPacketOf } from "~/envelope/header-content";
import { makeEditorKey, type TestEditorKey } from "../support/keys";
import { newSubmissionId } from "../support/submission";

const CHUNK = 64 * 1024;
let editor: TestEditorKey;
let keyIds: Set<string>;

beforeAll(async () => {
  editor = await makeEditorKey();
  keyIds = new Set([(await editor.publicKey.getEncryptionKey()).getKeyID().toHex()]);
});

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

async function roundTrip(data: Uint8Array) {
  const submissionId = newSubmissionId();
  const parts: { name: string; bytes: Uint8Array; sha256: string }[] = [];
  const encrypted = await encryptFileParts(new Blob([new Uint8Array(data)]), {
    recipients: [editor.publicKey],
    submissionId,
    index: 0,
    name: "acta.jpg",
    chunkSize: CHUNK,
    onPart: (p) => {
      parts.push({ name: p.name, bytes: p.bytes, sha256: p.sha256 });
    },
  });
  const header = parts.find((p) => p.name === "header-0")!;
  expect(await inspectKeyedMessage(header.bytes, keyIds)).toEqual({ ok: true });
  const { chunkKey, description } = await decryptHeader({ bytes: header.bytes, keys: [editor.privateKey], submissionId, file: 0 });
  expect(description.size).toBe(data.length);
  expect(description.paddedSize).toBe(paddedSize(data.length));
  const chunks = parts.filter((p) => p.name.startsWith("chunk-"));
  expect(chunks.map((c) => c.name)).toEqual(Array.from({ length: description.chunks }, (_, c) => `chunk-0-${c}`));
  const plain: Uint8Array[] = [];
  for (const [c, chunk] of chunks.entries()) {
    expect(await inspectChunk(chunk.bytes)).toEqual({ ok: true });
    expect(chunk.sha256).toBe(sha256(chunk.bytes));
    plain.push(await decryptChunk({ bytes: chunk.bytes, sessionKey: chunkKey, submissionId, file: 0, chunk: c }));
  }
  const padded = Buffer.concat(plain);
  expect(padded.length).toBe(description.paddedSize);
  expect(new Uint8Array(padded.subarray(0, data.length))).toEqual(data);
  expect(padded.subarray(data.length).every((b) => b === 0)).toBe(true);
  // The receipt's hash is the ordinary sha256sum of the file; the manifest lists every part's hash.
  expect(encrypted.sha256).toBe(sha256(data));
  // The header entry is the hash of its final SEIPD packet alone (rewrapping changes the PKESKs).
  const content = encryptedPacketOf(header.bytes);
  if (!content.ok) throw new Error(content.reason);
  expect(content.bytes.length).toBeLessThan(header.bytes.length);
  expect(content.bytes[0]! & 0x3f).toBe(18);
  expect(encrypted.manifestEntry.parts.header).toBe(sha256(content.bytes));
  expect(encrypted.manifestEntry.parts.header).not.toBe(header.sha256);
  expect(encrypted.manifestEntry.parts.chunks).toEqual(chunks.map((c) => c.sha256));
  expect(encrypted.manifestEntry.chunkKeySha256).toBe(sha256(chunkKey));
  return description;
}

describe("browser envelope round trip", () => {
  it("empty file: one padded chunk", async () => {
    expect((await roundTrip(new Uint8Array(0))).chunks).toBe(1);
  });
  it("tiny file", async () => {
    expect((await roundTrip(new TextEncoder().encode("7 votos"))).chunks).toBe(1);
  });
  it("exactly one and exactly two chunks (power-of-two sizes pad to themselves)", async () => {
    expect((await roundTrip(randomBytes(CHUNK))).chunks).toBe(1);
    expect((await roundTrip(randomBytes(2 * CHUNK))).chunks).toBe(2);
  });
  it("multi-chunk with a partial last chunk", async () => {
    const d = await roundTrip(randomBytes(5 * CHUNK + 12345));
    expect(d.chunks).toBe(Math.ceil(paddedSize(5 * CHUNK + 12345) / CHUNK));
  });
});
