/**
 * Page side of bench/browser-encrypt.ts. Bundled by the bench with esbuild (browser, IIFE) and run
 * in a blank page the bench serves itself, so no route is added to the app. It measures the very
 * function the submit page runs (encryptFileParts) and, in the same page, what it is measured
 * against. Results are plain JSON: the Node side validates them, it trusts nothing typed here.
 */
import { readKey, type PublicKey } from "openpgp";
import { encryptChunk, newSessionKey } from "../../app/envelope/encrypt";
import { DEFAULT_CHUNK_SIZE } from "../../app/envelope/format";
import { createSha256, sha256Hex } from "../../app/envelope/hash";
import { pgpConfig } from "../../app/envelope/pgp-config";
import { generateV4Key } from "../../app/keyring/generate";
import { encryptFileParts } from "../../app/submit/encrypt-file.client";
import { newSubmissionId } from "../../app/submit/submission-id.client";

/** getRandomValues fills at most 64 KiB per call (Web Crypto spec). */
const RANDOM_PIECE = 64 * 1024;
/** Random bytes are made in slabs and handed to Blob one slab at a time, so the page never holds the whole file in ArrayBuffers. */
const SLAB = 4 * 1024 * 1024;

let file: Blob | null = null;
let recipients: PublicKey[] = [];

function requireFile(bytes?: number): Blob {
  if (!file) throw new Error("prepare() first");
  return bytes === undefined ? file : file.slice(0, Math.min(bytes, file.size));
}

function randomBlob(size: number): Blob {
  const slabs: Blob[] = [];
  for (let offset = 0; offset < size; offset += SLAB) {
    const slab = new Uint8Array(Math.min(SLAB, size - offset));
    for (let at = 0; at < slab.length; at += RANDOM_PIECE) {
      crypto.getRandomValues(slab.subarray(at, Math.min(at + RANDOM_PIECE, slab.length)));
    }
    slabs.push(new Blob([slab]));
  }
  return new Blob(slabs, { type: "application/octet-stream" });
}

/** A demo-style editor key (the same generator the portal's demo mode uses) and the random file. */
async function prepare(size: number): Promise<{ size: number }> {
  const key = await generateV4Key({ name: "bench editor", encryption: true });
  recipients = [await readKey({ armoredKey: key.armoredPublic, config: pgpConfig })];
  file = randomBlob(size);
  return { size: file.size };
}

/** The submit page's encryption of one file; every part is dropped at once (no upload). */
async function encrypt(bytes?: number) {
  const blob = requireFile(bytes);
  let parts = 0;
  let ciphertextBytes = 0;
  const start = performance.now();
  const result = await encryptFileParts(blob, {
    recipients,
    submissionId: newSubmissionId(),
    index: 0,
    name: "bench.bin",
    onPart: (part) => {
      parts++;
      ciphertextBytes += part.bytes.length;
    },
  });
  const ms = performance.now() - start;
  return { ms, parts, ciphertextBytes, paddedSize: result.description.paddedSize, sha256: result.sha256 };
}

/**
 * The ceiling: each 2 MiB slice of the same Blob encrypted with native AES-256-GCM, one chunk at a
 * time. `gcmMs` counts only the time inside crypto.subtle.encrypt (raw AES-GCM); `ms` also counts
 * reading the slices from the Blob, which encryptFileParts must do too. No hashing, no OpenPGP.
 */
async function aesGcmCeiling(bytes?: number) {
  const blob = requireFile(bytes);
  const key = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt"]);
  let ciphertextBytes = 0;
  let gcmMs = 0;
  const start = performance.now();
  for (let at = 0; at < blob.size; at += DEFAULT_CHUNK_SIZE) {
    const plaintext = await blob.slice(at, Math.min(at + DEFAULT_CHUNK_SIZE, blob.size)).arrayBuffer();
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const gcmStart = performance.now();
    ciphertextBytes += (await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, plaintext)).byteLength;
    gcmMs += performance.now() - gcmStart;
  }
  return { ms: performance.now() - start, gcmMs, ciphertextBytes };
}

/**
 * Where encryptFileParts' time goes: each of its steps run alone, step after step, over the same
 * leading bytes of the file, plus the two native primitives OpenPGP.js uses inside encryptChunk
 * (AES-CBC to build CFB, SHA-1 for the MDC) so the rest of encryptChunk (packet framing and
 * copies in JS) shows as the difference.
 */
async function breakdown(bytes: number) {
  const blob = requireFile(bytes);
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  const time = async (step: () => Promise<void> | void): Promise<number> => {
    const start = performance.now();
    await step();
    return performance.now() - start;
  };
  const read = await time(async () => {
    for (let at = 0; at < blob.size; at += DEFAULT_CHUNK_SIZE) {
      chunks.push(new Uint8Array(await blob.slice(at, Math.min(at + DEFAULT_CHUNK_SIZE, blob.size)).arrayBuffer()));
    }
  });
  const nobleSha256 = await time(() => {
    // The app's incremental hash (@noble/hashes), as encryptFileParts uses it.
    const h = createSha256();
    for (const c of chunks) h.update(c);
    h.digestHex();
  });
  const sessionKey = newSessionKey();
  const submissionId = newSubmissionId();
  const ciphertexts: Uint8Array[] = [];
  const openpgpChunk = await time(async () => {
    for (const [chunk, plaintext] of chunks.entries()) {
      ciphertexts.push(await encryptChunk({ submissionId, file: 0, chunk, plaintext, sessionKey }));
    }
  });
  const partSha256 = await time(async () => {
    for (const c of ciphertexts) await sha256Hex(c);
  });
  const cbcKey = await crypto.subtle.generateKey({ name: "AES-CBC", length: 256 }, false, ["encrypt"]);
  const nativeAesCbc = await time(async () => {
    for (const c of chunks) await crypto.subtle.encrypt({ name: "AES-CBC", iv: new Uint8Array(16) }, cbcKey, c);
  });
  const nativeSha1 = await time(async () => {
    for (const c of chunks) await crypto.subtle.digest("SHA-1", c);
  });
  return { bytes: blob.size, read, nobleSha256, openpgpChunk, partSha256, nativeAesCbc, nativeSha1 };
}

// The bench calls these by name through page.evaluate; a global is the only door into an IIFE.
Object.assign(globalThis, { testigoBench: { prepare, encrypt, aesGcmCeiling, breakdown } });
