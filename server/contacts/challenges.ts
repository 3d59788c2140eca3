/**
 * The proof-of-work puzzles every codename login spends (docs/adr/0007-two-way-contact.md).
 *
 * Stateless challenges: the server keeps nothing per issued challenge. A challenge is the hex of
 *   16 random bytes || issue time (seconds, u32 big-endian) || bits (u8) || HMAC-SHA256(key, those 21 bytes)[0..16]
 * so it carries its own difficulty and age, and only this process (which holds the key) can mint
 * one. Issuing is free and costs no memory, so no flood of challenge requests can push out the
 * one a slow phone is still solving (a bounded table of outstanding challenges could be flooded:
 * the witness's puzzle evicted, the witness's next puzzle too, and so on).
 *
 * Single use is kept by a set of SPENT challenges, each until its expiry. Only a challenge whose
 * nonce solves it enters the set, so its size is bounded by work the spender did (2^bits hashes
 * per entry), not by requests. The key lives in memory only: a restart invalidates outstanding
 * challenges, which costs a witness one more puzzle and leaves nothing on disk to seize.
 *
 * Difficulty is global (the server never reads an address): `base` bits while unknown verifiers
 * arrive slowly, plus one bit per doubling of the last minute's failures beyond the free
 * allowance, capped at `max`. A burst of guesses costs the guesser exponentially more CPU, while
 * a witness still gets in after one puzzle, whatever the load.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { checkSolution } from "../../app/codename/pow";
import type { ContactSettings } from "../config";

/** How long a witness has to solve a puzzle (the ceiling is tens of seconds on a slow phone). */
export const CHALLENGE_TTL_SECONDS = 120;
/**
 * At most this many spent challenges are remembered (each until its expiry, so this is per
 * 120 s). When full, a new spend is REFUSED (429), never made room for by forgetting an older
 * one: a forgotten spent challenge could be replayed, so every solved puzzle would buy more
 * than one guess and the throttle would be void. Refusing is a denial of service only for as long
 * as someone keeps solving 200,000 puzzles every two minutes (at least 2^14 hashes each at the
 * default base, about 27 million SHA-256/s sustained, and more as wrong guesses raise the bits),
 * and it fails closed. Memory: a 74-character string in a Set, a few hundred bytes an entry, tens
 * of MB at the cap.
 */
export const MAX_SPENT_CHALLENGES = 200_000;
/** The failure window: one counter per second over the last minute, O(1) memory under a flood. */
const WINDOW_SECONDS = 60;

const NONCE_BYTES = 16;
const TIME_BYTES = 4;
const BITS_BYTES = 1;
const MAC_BYTES = 16;
const SIGNED_BYTES = NONCE_BYTES + TIME_BYTES + BITS_BYTES;
/** Bytes of a challenge; its hex form is twice as long (74 characters). */
export const CHALLENGE_BYTES = SIGNED_BYTES + MAC_BYTES;
/**
 * Lowercase only: one spelling per challenge, so the spent set (keyed by the string) cannot be
 * dodged by re-spelling a spent challenge in upper case.
 */
const CHALLENGE_HEX = new RegExp(`^[0-9a-f]{${CHALLENGE_BYTES * 2}}$`);

export interface IssuedChallenge {
  challenge: string;
  bits: number;
  expiresInSeconds: number;
}

export interface ChallengeBookOptions {
  /** Defaults to MAX_SPENT_CHALLENGES; small in tests. */
  spentCapacity?: number;
  /** The MAC key (32 bytes). Defaults to fresh random bytes; only tests pass one. */
  key?: Uint8Array;
}

export class ChallengeBook {
  private readonly key: Uint8Array;
  private readonly spentCapacity: number;
  /**
   * Spent challenges by the second they expire in. Every live challenge expires within the next
   * TTL seconds, so there are at most TTL + 1 buckets: dropping expired ones is a short walk,
   * whatever order challenges are spent in.
   */
  private readonly spent = new Map<number, Set<string>>();
  private spentCount = 0;
  private readonly failures = new Array<number>(WINDOW_SECONDS).fill(0);
  private readonly failureSecond = new Array<number>(WINDOW_SECONDS).fill(-1);

  constructor(
    private readonly settings: Pick<ContactSettings, "powBaseBits" | "powMaxBits" | "freeFailuresPerMinute">,
    private readonly now: () => number = Date.now,
    options: ChallengeBookOptions = {},
  ) {
    this.key = options.key ?? randomBytes(32);
    if (this.key.length !== 32) throw new RangeError("ChallengeBook: the key must be 32 bytes");
    this.spentCapacity = options.spentCapacity ?? MAX_SPENT_CHALLENGES;
  }

  issue(): IssuedChallenge {
    const bits = this.currentBits();
    const signed = Buffer.alloc(SIGNED_BYTES);
    randomBytes(NONCE_BYTES).copy(signed, 0);
    signed.writeUInt32BE(this.nowSeconds(), NONCE_BYTES);
    signed.writeUInt8(bits, NONCE_BYTES + TIME_BYTES);
    const challenge = Buffer.concat([signed, this.mac(signed)]).toString("hex");
    return { challenge, bits, expiresInSeconds: CHALLENGE_TTL_SECONDS };
  }

  /**
   * Spends a challenge: true only for one this process issued (MAC), unexpired, not spent before,
   * whose nonce solves it at the difficulty it carries. A wrong nonce leaves nothing behind (there
   * is nothing to delete), which gains nothing: the caller looks at the login only after a true.
   */
  spend(challenge: string, nonce: string): boolean {
    if (!CHALLENGE_HEX.test(challenge)) return false;
    const bytes = Buffer.from(challenge, "hex");
    const signed = bytes.subarray(0, SIGNED_BYTES);
    if (!timingSafeEqual(this.mac(signed), bytes.subarray(SIGNED_BYTES))) return false;
    const now = this.now();
    const expiresAt = signed.readUInt32BE(NONCE_BYTES) + CHALLENGE_TTL_SECONDS;
    if (expiresAt * 1000 <= now) return false;
    this.dropSpent(now);
    const bucket = this.spent.get(expiresAt);
    if (bucket?.has(challenge)) return false;
    if (!checkSolution(challenge, signed.readUInt8(NONCE_BYTES + TIME_BYTES), nonce)) return false;
    // Full: refuse rather than forget an older spend (see MAX_SPENT_CHALLENGES).
    if (this.spentCount >= this.spentCapacity) return false;
    if (bucket) bucket.add(challenge);
    else this.spent.set(expiresAt, new Set([challenge]));
    this.spentCount++;
    return true;
  }

  /** Spent challenges still remembered (for tests and monitoring). */
  spentSize(): number {
    return this.spentCount;
  }

  /** A verified proof came with an unknown or malformed login verifier. */
  recordFailure(): void {
    const second = Math.floor(this.now() / 1000);
    const slot = second % WINDOW_SECONDS;
    if (this.failureSecond[slot] !== second) {
      this.failureSecond[slot] = second;
      this.failures[slot] = 0;
    }
    this.failures[slot] = (this.failures[slot] ?? 0) + 1;
  }

  /** Failures in the last minute. */
  recentFailures(): number {
    const second = Math.floor(this.now() / 1000);
    let total = 0;
    for (let slot = 0; slot < WINDOW_SECONDS; slot++) {
      const at = this.failureSecond[slot] ?? -1;
      if (at > second - WINDOW_SECONDS && at <= second) total += this.failures[slot] ?? 0;
    }
    return total;
  }

  currentBits(): number {
    const { powBaseBits, powMaxBits, freeFailuresPerMinute } = this.settings;
    const failures = this.recentFailures();
    if (failures <= freeFailuresPerMinute) return powBaseBits;
    return Math.min(powMaxBits, powBaseBits + Math.ceil(Math.log2(failures / freeFailuresPerMinute)));
  }

  private nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  private mac(signed: Uint8Array): Buffer {
    return createHmac("sha256", this.key).update(signed).digest().subarray(0, MAC_BYTES);
  }

  /** Forgets spent challenges that have expired: they are refused by their age from then on. */
  private dropSpent(now: number): void {
    for (const [expiresAt, bucket] of this.spent) {
      if (expiresAt * 1000 > now) continue;
      this.spentCount -= bucket.size;
      this.spent.delete(expiresAt);
    }
  }
}
