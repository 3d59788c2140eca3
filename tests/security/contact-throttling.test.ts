/**
 * Threat: guessing codenames at scale. Every login spends a single-use proof of work before the
 * server looks at it; a request without one (none, unknown, reused or unsolved) is a 429 that
 * never reaches the lookup, not even for a right codename. Solved wrong guesses raise the
 * difficulty everyone is served (global: no address is read), and a witness still gets in after
 * one puzzle at the raised difficulty: throttled, never locked out.
 */
import { describe, expect, it } from "vitest";
import { checkSolution } from "~/codename/pow";
import { ChallengeSchema, ThreadViewSchema } from "~/contact/format";
import { randomBytes } from "~/envelope/hex";
import { CHALLENGE_TTL_SECONDS, ChallengeBook } from "../../server/contacts/challenges";
import type { RawResponse } from "../support/portal";
import { getChallenge, makeWitnessKeys, newLogin, openThread, rawPostJson, register, registration, solvedProof } from "../support/contact";
import { buildSubmission, fetchRecipients, uploadAndSeal } from "../support/submission";
import { withPortal } from "./helpers/fixture";

const FREE = 4;
const BASE = 8;
const MAX = 16;

function expectChallengeFailed(res: RawResponse): void {
  expect(res.status, res.text).toBe(429);
  expect(JSON.parse(res.text)).toMatchObject({ error: { code: "challenge_failed" } });
}

/** A nonce that does not solve the challenge at these bits (most do not). */
function wrongNonce(challenge: string, bits: number): string {
  for (let n = 0; ; n++) if (!checkSolution(challenge, bits, String(n))) return String(n);
}

describe("against a running portal", () => {
  const portal = withPortal({
    env: {
      TESTIGO_CONTACT_FREE_FAILURES_PER_MINUTE: String(FREE),
      TESTIGO_CONTACT_POW_BASE_BITS: String(BASE),
      TESTIGO_CONTACT_POW_MAX_BITS: String(MAX),
      // Short, so the burst below stays quick; the floor has its own test.
      TESTIGO_CONTACT_FLOOR_MS: "20",
    },
  });
  const login = newLogin();

  it("(setup) a witness with a codename", async () => {
    const { witnessUrl } = portal();
    const { recipients } = await fetchRecipients(witnessUrl);
    const sub = await buildSubmission({ recipients, files: [{ name: "a", type: "image/jpeg", data: randomBytes(50) }] });
    await uploadAndSeal(witnessUrl, sub);
    expect((await register(witnessUrl, sub.id, registration(login, await makeWitnessKeys()))).status).toBe(201);
    expect((await getChallenge(witnessUrl)).bits).toBe(BASE);
  });

  it("without a valid proof, even the right codename gets 429, and nothing counts as a failure", async () => {
    const { witnessUrl } = portal();
    for (let round = 0; round < 3 * FREE; round++) {
      // No proof at all.
      expectChallengeFailed(await rawPostJson(witnessUrl, "/api/v1/contact/open", { login }));
      // A challenge the server never issued.
      expectChallengeFailed(await openThread(witnessUrl, login, { challenge: newLogin(), nonce: "0", bits: 0 }));
      // An issued challenge with a nonce that does not solve it (another challenge's solution is
      // just a wrong nonce here). Challenges are stateless, so nothing is spent: the server
      // refused before looking at the login, and that is all a wrong nonce gets.
      const challenge = await getChallenge(witnessUrl);
      const unsolved = { challenge: challenge.challenge, nonce: wrongNonce(challenge.challenge, challenge.bits), bits: challenge.bits };
      expectChallengeFailed(await openThread(witnessUrl, login, unsolved));
      const solution = await solvedProof(witnessUrl);
      if (!checkSolution(challenge.challenge, challenge.bits, solution.nonce)) {
        expectChallengeFailed(await openThread(witnessUrl, login, { ...solution, challenge: challenge.challenge }));
      }
      // A challenge altered by one hex digit (its bits byte: the difficulty) is refused.
      const lowered = `${challenge.challenge.slice(0, 40)}00${challenge.challenge.slice(42)}`;
      expectChallengeFailed(await openThread(witnessUrl, login, { challenge: lowered, nonce: "0", bits: 0 }));
      // A solved challenge works once; the same again is refused.
      expect((await openThread(witnessUrl, login, solution)).status).toBe(200);
      expectChallengeFailed(await openThread(witnessUrl, login, solution));
      expectChallengeFailed(await rawPostJson(witnessUrl, "/api/v1/contact/follow-ups", { login, submission: "0".repeat(32), challenge: solution.challenge, nonce: solution.nonce }));
    }
    // None of that was a failed lookup: the difficulty did not move.
    expect((await getChallenge(witnessUrl)).bits).toBe(BASE);
  });

  it("a burst of solved wrong guesses raises the served difficulty, and a witness still gets in", async () => {
    const { witnessUrl } = portal();
    // 4 × 2^2 failures: two doublings beyond the free allowance.
    const guesses = FREE * 4;
    const served: number[] = [];
    for (let i = 0; i < guesses; i++) {
      const proof = await solvedProof(witnessUrl);
      served.push(proof.bits);
      expect((await openThread(witnessUrl, newLogin(), proof)).status).toBe(404);
    }
    expect(served[0]).toBe(BASE);
    expect(served.every((bits, i) => i === 0 || bits >= (served[i - 1] ?? 0))).toBe(true);
    const raised = await getChallenge(witnessUrl);
    expect(raised.bits).toBe(BASE + 2);
    // One more beyond a doubling adds a bit.
    expect((await openThread(witnessUrl, "zz", await solvedProof(witnessUrl))).status).toBe(404);
    expect((await getChallenge(witnessUrl)).bits).toBe(BASE + 3);

    const proof = await solvedProof(witnessUrl);
    expect(proof.bits).toBe(BASE + 3);
    const res = await openThread(witnessUrl, login, proof);
    expect(res.status).toBe(200);
    expect(ThreadViewSchema.safeParse(JSON.parse(res.text)).success).toBe(true);
  });
});

describe("the challenge book (clock under test control)", () => {
  const settings = { powBaseBits: 2, powMaxBits: 5, freeFailuresPerMinute: 3 };

  it("difficulty: base up to the allowance, +1 per doubling beyond it, capped; failures age out after a minute", () => {
    let now = 1_000_000;
    const book = new ChallengeBook(settings, () => now);
    const bitsAfter = (failures: number) => {
      for (let i = 0; i < failures; i++) book.recordFailure();
      return book.issue().bits;
    };
    expect(bitsAfter(3)).toBe(2);
    expect(bitsAfter(1)).toBe(3); // 4 failures: log2(4/3) → +1
    expect(bitsAfter(2)).toBe(3); // 6: log2(2) → +1
    expect(bitsAfter(1)).toBe(4); // 7: ceil(log2(7/3)) → +2
    expect(bitsAfter(100)).toBe(5); // capped
    now += 61_000;
    expect(book.issue().bits).toBe(2);
  });

  /** A nonce that solves the challenge at the bits it was issued with. */
  const solve = (challenge: { challenge: string; bits: number }) => {
    for (let n = 0; ; n++) if (checkSolution(challenge.challenge, challenge.bits, String(n))) return String(n);
  };

  /** The challenge with one hex digit changed at `index` (a different, still lowercase digit). */
  const flipDigit = (challenge: string, index: number) => {
    const digit = challenge[index] === "0" ? "1" : "0";
    return challenge.slice(0, index) + digit + challenge.slice(index + 1);
  };

  it("challenges are stateless: one issued before 30,000 others is still good (no eviction)", () => {
    const now = 5_000_000;
    const book = new ChallengeBook({ ...settings, powBaseBits: 4 }, () => now);
    const witness = book.issue();
    expect(witness.challenge).toMatch(/^[0-9a-f]{74}$/);
    expect(ChallengeSchema.safeParse(witness).success).toBe(true);
    for (let i = 0; i < 30_000; i++) book.issue();
    expect(book.spend(witness.challenge, solve(witness))).toBe(true);
    // Issuing stores nothing; only the one spend is remembered.
    expect(book.spentSize()).toBe(1);
  });

  it("a solved challenge is single-use; a wrong nonce is refused and leaves it usable", () => {
    const book = new ChallengeBook({ ...settings, powBaseBits: 8 }, () => 5_000_000);
    const a = book.issue();
    expect(book.spend(a.challenge, wrongNonce(a.challenge, a.bits))).toBe(false);
    const nonce = solve(a);
    expect(book.spend(a.challenge, nonce)).toBe(true);
    expect(book.spend(a.challenge, nonce)).toBe(false);
    // Re-spelled in upper case it is not a new challenge.
    expect(book.spend(a.challenge.toUpperCase(), nonce)).toBe(false);
  });

  it("a forged or altered challenge is refused: MAC, bits byte, issue time, random part", () => {
    const now = 5_000_000;
    const book = new ChallengeBook({ ...settings, powBaseBits: 0 }, () => now);
    // Byte offsets ×2 = hex offsets: random 0..15, time 16..19, bits 20, MAC 21..36.
    const places = { random: 0, time: 2 * 19 + 1, bits: 2 * 20 + 1, mac: 2 * 21 + 5, macEnd: 73 };
    for (const [name, index] of Object.entries(places)) {
      const { challenge } = book.issue();
      // At 0 bits any nonce solves: only the MAC can refuse these.
      expect(book.spend(flipDigit(challenge, index), "0"), name).toBe(false);
      expect(book.spend(challenge, "0"), name).toBe(true);
    }
    // Lowering the difficulty is exactly what a forger wants: the bits byte is under the MAC.
    const hardBook = new ChallengeBook({ ...settings, powBaseBits: 5 }, () => now);
    const issued = hardBook.issue();
    const hard = issued.challenge;
    expect(hard.slice(40, 42)).toBe("05");
    expect(hardBook.spend(`${hard.slice(0, 40)}00${hard.slice(42)}`, wrongNonce(hard, 5))).toBe(false);
    expect(hardBook.spend(hard, solve(issued))).toBe(true);
    // Another process's key (a restart) makes every challenge it issued void here.
    const other = new ChallengeBook({ ...settings, powBaseBits: 0 }, () => now).issue();
    expect(book.spend(other.challenge, "0")).toBe(false);
    // Wrong shapes.
    for (const bad of ["", "00", "ab".repeat(32), `${hard}00`, hard.slice(0, 72), `${hard.slice(0, 73)}g`]) expect(book.spend(bad, "0")).toBe(false);
  });

  it("a challenge expires after its TTL", () => {
    let now = 5_000_000;
    const book = new ChallengeBook({ ...settings, powBaseBits: 0 }, () => now);
    const a = book.issue();
    now += CHALLENGE_TTL_SECONDS * 1000 - 1;
    expect(book.spend(a.challenge, "0")).toBe(true);
    const b = book.issue();
    now += CHALLENGE_TTL_SECONDS * 1000;
    expect(book.spend(b.challenge, "0")).toBe(false);
  });

  it("the spent set refuses new spends when full rather than forgetting old ones, and frees them at expiry", () => {
    let now = 5_000_000;
    const book = new ChallengeBook({ ...settings, powBaseBits: 0 }, () => now, { spentCapacity: 3 });
    const spent = [book.issue(), book.issue(), book.issue()];
    for (const c of spent) expect(book.spend(c.challenge, "0")).toBe(true);
    const late = book.issue();
    expect(book.spend(late.challenge, "0")).toBe(false);
    // None of the remembered ones became replayable.
    for (const c of spent) expect(book.spend(c.challenge, "0")).toBe(false);
    expect(book.spentSize()).toBe(3);
    // Once they expire they leave the set (refused by age from then on) and there is room again.
    now += CHALLENGE_TTL_SECONDS * 1000;
    const fresh = book.issue();
    expect(book.spend(fresh.challenge, "0")).toBe(true);
    expect(book.spentSize()).toBe(1);
    for (const c of spent) expect(book.spend(c.challenge, "0")).toBe(false);
  });

  it("the difficulty a challenge carries is the one it is checked at, whatever the book serves now", () => {
    const now = 5_000_000;
    const book = new ChallengeBook({ powBaseBits: 2, powMaxBits: 12, freeFailuresPerMinute: 1 }, () => now);
    const early = book.issue();
    for (let i = 0; i < 1000; i++) book.recordFailure();
    const late = book.issue();
    expect(late.bits).toBe(12);
    expect(book.spend(early.challenge, solve(early))).toBe(true);
    // A nonce good for 2 bits but not for 12 does not spend the 12-bit one.
    let weak = 0;
    while (!checkSolution(late.challenge, 2, String(weak)) || checkSolution(late.challenge, 12, String(weak))) weak++;
    expect(book.spend(late.challenge, String(weak))).toBe(false);
    expect(book.spend(late.challenge, solve(late))).toBe(true);
  });
});
