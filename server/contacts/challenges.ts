/**
 * The proof-of-work puzzles every codename login spends (docs/adr/0007-two-way-contact.md).
 * In memory only: a restart forgets outstanding challenges, which costs a witness one more puzzle
 * and the server nothing it must keep. Each challenge is single-use and short-lived, so a solved
 * one cannot be replayed for a second guess.
 *
 * Difficulty is global (the server never reads an address): `base` bits while unknown verifiers
 * arrive slowly, plus one bit per doubling of the last minute's failures beyond the free
 * allowance, capped at `max`. A burst of guesses costs the guesser exponentially more CPU, while
 * a witness still gets in after one puzzle, whatever the load.
 */
import { randomBytes } from "node:crypto";
import { checkSolution } from "../../app/codename/pow";
import type { ContactSettings } from "../config";

/** How long a witness has to solve a puzzle (the ceiling is tens of seconds on a slow phone). */
export const CHALLENGE_TTL_SECONDS = 120;
/** Bounds memory under a flood of challenge requests; the oldest outstanding one goes first. */
export const MAX_OUTSTANDING_CHALLENGES = 20_000;
/** The failure window: one counter per second over the last minute, O(1) memory under a flood. */
const WINDOW_SECONDS = 60;

interface Outstanding {
  bits: number;
  expiresAt: number;
}

export interface IssuedChallenge {
  challenge: string;
  bits: number;
  expiresInSeconds: number;
}

export class ChallengeBook {
  /** Insertion order is issue order, and every challenge lives equally long: oldest first. */
  private readonly outstanding = new Map<string, Outstanding>();
  private readonly failures = new Array<number>(WINDOW_SECONDS).fill(0);
  private readonly failureSecond = new Array<number>(WINDOW_SECONDS).fill(-1);

  constructor(
    private readonly settings: Pick<ContactSettings, "powBaseBits" | "powMaxBits" | "freeFailuresPerMinute">,
    private readonly now: () => number = Date.now,
    private readonly capacity = MAX_OUTSTANDING_CHALLENGES,
  ) {}

  issue(): IssuedChallenge {
    const now = this.now();
    this.dropExpired(now);
    while (this.outstanding.size >= this.capacity) {
      const oldest = this.outstanding.keys().next();
      if (oldest.done) break;
      this.outstanding.delete(oldest.value);
    }
    const challenge = randomBytes(32).toString("hex");
    const bits = this.currentBits();
    this.outstanding.set(challenge, { bits, expiresAt: now + CHALLENGE_TTL_SECONDS * 1000 });
    return { challenge, bits, expiresInSeconds: CHALLENGE_TTL_SECONDS };
  }

  /**
   * Spends a challenge: true only for an outstanding, unexpired challenge whose nonce solves it at
   * the difficulty it was issued with. The challenge is gone afterwards whatever the outcome, so
   * a wrong nonce cannot be retried against it either.
   */
  spend(challenge: string, nonce: string): boolean {
    const held = this.outstanding.get(challenge);
    if (!held) return false;
    this.outstanding.delete(challenge);
    if (held.expiresAt <= this.now()) return false;
    return checkSolution(challenge, held.bits, nonce);
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

  private dropExpired(now: number): void {
    for (const [challenge, held] of this.outstanding) {
      if (held.expiresAt > now) break;
      this.outstanding.delete(challenge);
    }
  }
}
