/**
 * Hashcash proof of work for every request that presents a login verifier (ADR 0007): the
 * server sets `bits` so that a burst of codename guesses costs the guesser exponentially more,
 * while a witness always gets in after one puzzle.
 *
 * Two SHA-256s, one answer. checkSolution (the server, tests) is synchronous @noble/hashes: one
 * hash per request, no promise needed. solveChallenge (the witness's page) uses Web Crypto's
 * digest with many hashes in flight at once: one promise per hash is slow one at a time, but
 * batched it beats pure JS everywhere we measured, and by about 10x in Tor Browser's "Safer"
 * level, which turns the JIT off (Firefox ESR, 2-core VM: ~14k noble hashes/s, 150k to 240k/s with
 * 256+ digests in flight; Chromium ~115k to 210k noble vs ~210k). Witnesses often run exactly that.
 */
import { sha256 } from "@noble/hashes/sha2";

/** The decimal form the server accepts (app/contact/format.ts): one spelling per number. */
const NONCE = /^(0|[1-9]\d{0,15})$/;

/**
 * Digests in flight per batch: enough to keep Web Crypto's pipeline full (the gain levels off
 * past ~256), small enough that each batch is a few ms on a phone, so the page (and its progress
 * bar, and an abort) gets the event loop between batches.
 */
export const SOLVE_BATCH = 512;

/** Longest run of Web Crypto batches without a task boundary of our own, in ms (a 60 Hz frame is ~16). */
const YIELD_MS = 20;

/** Hashes between two yields in the pure-JS fallback: a few ms on a phone. */
const HASHES_PER_SLICE = 4000;

const encoder = new TextEncoder();

function leadingZeroBits(digest: Uint8Array): number {
  let count = 0;
  for (const byte of digest) {
    if (byte === 0) {
      count += 8;
      continue;
    }
    return count + Math.clz32(byte) - 24;
  }
  return count;
}

function hashOf(challenge: string, nonce: string): Uint8Array {
  return sha256(encoder.encode(`${challenge}:${nonce}`));
}

export function checkSolution(challenge: string, bits: number, nonce: string): boolean {
  if (!Number.isInteger(bits) || bits < 0 || bits > 256) return false;
  if (!NONCE.test(nonce)) return false;
  return leadingZeroBits(hashOf(challenge, nonce)) >= bits;
}

/** On average 2^bits hashes: for the UI's time estimate and the server's difficulty ceiling. */
export function expectedHashes(bits: number): number {
  return 2 ** bits;
}

function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export interface SolveOptions {
  signal?: AbortSignal;
  /**
   * "auto" (default): Web Crypto when the page has it, else pure JS. "noble": pure JS always (the
   * bench compares the two; a page has no reason to).
   */
  engine?: "auto" | "noble";
}

/** Web Crypto, when present: absent outside a secure context and in some old engines. */
function subtleCrypto(): SubtleCrypto | undefined {
  const webCrypto: Crypto | undefined = globalThis.crypto;
  return webCrypto?.subtle;
}

/**
 * Batches of SOLVE_BATCH consecutive nonces hashed concurrently, batches in order. Within a batch
 * the smallest solving nonce wins, so the answer is the smallest solving nonce overall: the same
 * one the pure-JS loop finds, whatever order the digests complete in.
 */
async function solveWithSubtle(subtle: SubtleCrypto, challenge: string, bits: number, signal: AbortSignal | undefined): Promise<string> {
  const prefix = `${challenge}:`;
  let lastYield = Date.now();
  for (let start = 0; start < Number.MAX_SAFE_INTEGER; start += SOLVE_BATCH) {
    signal?.throwIfAborted();
    const pending: Promise<ArrayBuffer>[] = [];
    const end = Math.min(start + SOLVE_BATCH, Number.MAX_SAFE_INTEGER);
    for (let nonce = start; nonce < end; nonce++) pending.push(subtle.digest("SHA-256", encoder.encode(prefix + String(nonce))));
    const digests = await Promise.all(pending);
    for (const [offset, digest] of digests.entries()) {
      if (leadingZeroBits(new Uint8Array(digest)) >= bits) return String(start + offset);
    }
    // Digests settle from the browser's crypto thread as tasks, so the page already breathes
    // between them; an explicit yield only every YIELD_MS guarantees it. Not after every batch:
    // nested setTimeout(0) is clamped to 4 ms, longer than a batch takes, which halved the rate.
    if (Date.now() - lastYield >= YIELD_MS) {
      await nextTask();
      lastYield = Date.now();
    }
  }
  throw new Error("solveChallenge: no solution found");
}

async function solveWithNoble(challenge: string, bits: number, signal: AbortSignal | undefined): Promise<string> {
  for (let nonce = 0; nonce < Number.MAX_SAFE_INTEGER; nonce++) {
    if (nonce % HASHES_PER_SLICE === 0) {
      signal?.throwIfAborted();
      if (nonce > 0) await nextTask();
      signal?.throwIfAborted();
    }
    const text = String(nonce);
    if (leadingZeroBits(hashOf(challenge, text)) >= bits) return text;
  }
  throw new Error("solveChallenge: no solution found");
}

/**
 * The smallest nonce (decimal, no leading zeros; Number.MAX_SAFE_INTEGER has 16 digits, far beyond
 * any difficulty the server may set) whose hash with the challenge has `bits` leading zero bits.
 */
export async function solveChallenge(challenge: string, bits: number, options: SolveOptions = {}): Promise<string> {
  if (!Number.isInteger(bits) || bits < 0 || bits > 64) throw new RangeError(`solveChallenge: bits must be 0..64, got ${bits}`);
  const { signal, engine = "auto" } = options;
  signal?.throwIfAborted();
  const subtle = engine === "auto" ? subtleCrypto() : undefined;
  return subtle ? solveWithSubtle(subtle, challenge, bits, signal) : solveWithNoble(challenge, bits, signal);
}
