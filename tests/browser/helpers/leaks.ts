/**
 * Detectors for plaintext leaving the witness's browser or landing on the server's disk:
 * sentinel strings in the encodings a leak would take, and runs of a random file's bytes.
 * They must be fast (40 MB of bodies, a whole data directory) and must not miss: a detector that
 * cannot fail proves nothing, so each has a self-check in the tests that use it.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { listFiles } from "../../support/portal";

export interface Needle {
  /** Which sentinel, in which encoding: what a failure message names. */
  label: string;
  bytes: Buffer;
}

/**
 * A sentinel as bytes in every form a browser or server could plausibly write it: UTF-8 (HTTP,
 * JSON, SQLite TEXT), UTF-16LE and UTF-16BE (JS strings dumped by a browser's storage, SQLite
 * UTF-16 databases), and base64 at each of the three alignments (a body or header that encodes
 * plaintext rather than encrypting it). Base64 needles leave out the characters that depend on
 * the bytes around the sentinel.
 */
export function sentinelNeedles(label: string, text: string): Needle[] {
  const utf8 = Buffer.from(text, "utf8");
  const utf16le = Buffer.from(text, "utf16le");
  const utf16be = Buffer.from(utf16le);
  utf16be.swap16();
  const needles: Needle[] = [
    { label: `${label} (UTF-8)`, bytes: utf8 },
    { label: `${label} (UTF-16LE)`, bytes: utf16le },
    { label: `${label} (UTF-16BE)`, bytes: utf16be },
  ];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), utf8]).toString("base64");
    const start = shift === 0 ? 0 : 4;
    const end = Math.floor((shift + utf8.length) / 3) * 4;
    const core = encoded.slice(start, end);
    needles.push({ label: `${label} (base64, offset ${shift})`, bytes: Buffer.from(core, "latin1") });
    const url = core.replaceAll("+", "-").replaceAll("/", "_");
    if (url !== core) needles.push({ label: `${label} (base64url, offset ${shift})`, bytes: Buffer.from(url, "latin1") });
  }
  return needles;
}

/** The labels of every needle found in `haystack` (empty when none is). */
export function findNeedles(haystack: Uint8Array | string, needles: readonly Needle[]): string[] {
  const bytes = typeof haystack === "string" ? Buffer.from(haystack, "utf8") : Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength);
  return needles.filter((n) => bytes.indexOf(n.bytes) !== -1).map((n) => n.label);
}

const BLOCK = 16;
const FILTER_BITS = 2 ** 25;
/** The filter takes the top 25 bits of the 32-bit hash; the table uses the low bits. */
const FILTER_SHIFT = 32 - 25;

export interface PlaintextHit {
  /** Where in the scanned bytes the file's block starts. */
  offset: number;
  /** Which byte of the file that block starts at (a multiple of 16). */
  fileOffset: number;
}

/**
 * Finds any run of a (random) file's bytes in other bytes. Any leaked run of 31 bytes or more
 * holds one whole 16-byte-aligned block of the file, so it suffices to look for those blocks, at
 * every offset of the scanned bytes. Blocks are indexed by their first 6 bytes in an open-
 * addressing table of typed arrays (a Map of 2.6 million entries would cost hundreds of MB and
 * be slower); candidates are confirmed by comparing all 16 bytes.
 */
export class PlaintextIndex {
  readonly #data: Uint8Array;
  readonly #mask: number;
  /** First 4 bytes of the indexed block (only meaningful where #slot is non-zero). */
  readonly #key32: Uint32Array;
  /** Bytes 5 and 6 of the indexed block. */
  readonly #key16: Uint16Array;
  /** Block number + 1; 0 marks an empty slot. */
  readonly #slot: Uint32Array;
  /**
   * One bit per hash value (2^25 bits, 4 MB): most offsets are rejected here, in memory that
   * stays in the CPU cache, instead of by a cache miss in the much larger table.
   */
  readonly #filter = new Uint32Array(FILTER_BITS / 32);
  readonly blocks: number;

  constructor(data: Uint8Array) {
    this.#data = data;
    this.blocks = Math.floor(data.length / BLOCK);
    let capacity = 1024;
    // At most half full, so probe sequences stay short.
    while (capacity < this.blocks * 2) capacity *= 2;
    this.#mask = capacity - 1;
    this.#key32 = new Uint32Array(capacity);
    this.#key16 = new Uint16Array(capacity);
    this.#slot = new Uint32Array(capacity);
    for (let block = 0; block < this.blocks; block++) {
      const at = block * BLOCK;
      const k32 = read32(data, at);
      const k16 = (data[at + 4]! << 8) | data[at + 5]!;
      const h = hash(k32, k16);
      const bit = h >>> FILTER_SHIFT;
      this.#filter[bit >>> 5]! |= 1 << (bit & 31);
      let slot = h & this.#mask;
      while (this.#slot[slot] !== 0) slot = (slot + 1) & this.#mask;
      this.#key32[slot] = k32;
      this.#key16[slot] = k16;
      this.#slot[slot] = block + 1;
    }
  }

  /** The first place where a whole aligned block of the file occurs in `bytes`, or null. */
  firstHit(bytes: Uint8Array): PlaintextHit | null {
    const data = this.#data;
    const last = bytes.length - BLOCK;
    for (let i = 0; i <= last; i++) {
      const k32 = read32(bytes, i);
      const k16 = (bytes[i + 4]! << 8) | bytes[i + 5]!;
      const h = hash(k32, k16);
      const bit = h >>> FILTER_SHIFT;
      if ((this.#filter[bit >>> 5]! & (1 << (bit & 31))) === 0) continue;
      let slot = h & this.#mask;
      for (let entry = this.#slot[slot]!; entry !== 0; slot = (slot + 1) & this.#mask, entry = this.#slot[slot]!) {
        if (this.#key32[slot] !== k32 || this.#key16[slot] !== k16) continue;
        const fileOffset = (entry - 1) * BLOCK;
        let same = true;
        for (let j = 6; j < BLOCK && same; j++) same = bytes[i + j] === data[fileOffset + j];
        if (same) return { offset: i, fileOffset };
      }
    }
    return null;
  }
}

function read32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

function hash(k32: number, k16: number): number {
  const h = Math.imul(k32 ^ Math.imul(k16 + 0x9e37, 0x85ebca6b), 0xc2b2ae35);
  return (h ^ (h >>> 15)) >>> 0;
}

export interface TreeFinding {
  file: string;
  what: string;
}

/**
 * Reads every regular file under `dir` (SQLite database and WAL, blobs, keys, temp files) and
 * reports each needle or plaintext block found, by relative path. Call it while the portal runs
 * too: a WAL is checkpointed into the database and truncated at a clean shutdown.
 */
export async function scanTree(dir: string, needles: readonly Needle[], plaintexts: readonly { label: string; index: PlaintextIndex }[] = []): Promise<{ files: string[]; findings: TreeFinding[] }> {
  const files = await listFiles(dir);
  const findings: TreeFinding[] = [];
  for (const file of files) {
    let bytes: Buffer;
    try {
      bytes = await readFile(path.join(dir, file));
    } catch (error) {
      // A live portal may rename or delete a temp file between listing and reading.
      if (error instanceof Error && "code" in error && error.code === "ENOENT") continue;
      throw error;
    }
    for (const label of findNeedles(bytes, needles)) findings.push({ file, what: label });
    for (const p of plaintexts) {
      const hit = p.index.firstHit(bytes);
      if (hit) findings.push({ file, what: `${p.label}: bytes ${hit.fileOffset}..${hit.fileOffset + BLOCK} at offset ${hit.offset}` });
    }
  }
  return { files, findings };
}

export interface SentBytes {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Uint8Array | null;
}

/** Every place in what a browser sent where a needle or a run of a plaintext file shows up. */
export function leaksInRequests(requests: readonly SentBytes[], needles: readonly Needle[], plaintexts: readonly { label: string; index: PlaintextIndex }[]): string[] {
  const leaks: string[] = [];
  for (const r of requests) {
    const where = `${r.method} ${r.url.slice(0, 200)}`;
    for (const label of findNeedles(r.url, needles)) leaks.push(`${where}: URL holds ${label}`);
    const headers = Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`).join("\n");
    for (const label of findNeedles(headers, needles)) leaks.push(`${where}: headers hold ${label}`);
    if (!r.body) continue;
    for (const label of findNeedles(r.body, needles)) leaks.push(`${where}: body holds ${label}`);
    for (const p of plaintexts) {
      const hit = p.index.firstHit(r.body);
      if (hit) leaks.push(`${where}: body holds ${p.label} bytes ${hit.fileOffset}..${hit.fileOffset + BLOCK} at offset ${hit.offset}`);
    }
  }
  return leaks;
}
