/**
 * Hashcash proof of work for every request that presents a login verifier (ADR 0007): the
 * server sets `bits` so that a burst of codename guesses costs the guesser exponentially more,
 * while a witness always gets in after one puzzle. SHA-256 from @noble/hashes, synchronous: Web
 * Crypto's digest is a promise per hash, far slower for millions of tiny inputs.
 */
import { sha256 } from "@noble/hashes/sha2";

/** The decimal form the server accepts (app/contact/format.ts): one spelling per number. */
const NONCE = /^(0|[1-9]\d{0,15})$/;

/** Hashes between two yields to the event loop: a few ms on a phone, so the page stays alive. */
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

export async function solveChallenge(challenge: string, bits: number, options: { signal?: AbortSignal } = {}): Promise<string> {
  if (!Number.isInteger(bits) || bits < 0 || bits > 64) throw new RangeError(`solveChallenge: bits must be 0..64, got ${bits}`);
  const { signal } = options;
  // Stays within 16 decimal digits: far beyond any difficulty the server may set.
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
