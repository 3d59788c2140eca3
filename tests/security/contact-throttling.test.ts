/**
 * Threat: guessing codenames at scale. Every login spends a single-use proof of work before the
 * server looks at it; a request without one (none, unknown, reused or unsolved) is a 429 that
 * never reaches the lookup, not even for a right codename. Solved wrong guesses raise the
 * difficulty everyone is served (global: no address is read), and a witness still gets in after
 * one puzzle at the raised difficulty: throttled, never locked out.
 */
import { describe, expect, it } from "vitest";
import { checkSolution } from "~/codename/pow";
import { ThreadViewSchema } from "~/contact/format";
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
      // An issued challenge with a nonce that does not solve it; then that challenge is spent.
      const challenge = await getChallenge(witnessUrl);
      const unsolved = { challenge: challenge.challenge, nonce: wrongNonce(challenge.challenge, challenge.bits), bits: challenge.bits };
      expectChallengeFailed(await openThread(witnessUrl, login, unsolved));
      const solution = await solvedProof(witnessUrl);
      expectChallengeFailed(await openThread(witnessUrl, login, { ...solution, challenge: challenge.challenge }));
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

  it("challenges are single-use, expire, and the oldest goes first when the book is full", () => {
    let now = 5_000_000;
    const book = new ChallengeBook({ ...settings, powBaseBits: 0 }, () => now, 3);
    const a = book.issue();
    expect(book.spend(a.challenge, "0")).toBe(true);
    expect(book.spend(a.challenge, "0")).toBe(false);

    const b = book.issue();
    now += CHALLENGE_TTL_SECONDS * 1000;
    expect(book.spend(b.challenge, "0")).toBe(false);

    const [c, d, e, f] = [book.issue(), book.issue(), book.issue(), book.issue()];
    expect(book.spend(c.challenge, "0")).toBe(false);
    for (const held of [d, e, f]) expect(book.spend(held.challenge, "0")).toBe(true);
  });
});
