/**
 * Threat: online password guessing against an editor account. At most 5 failed attempts a minute
 * reach the password hash; after that, every attempt (even one with the right password and a
 * fresh code) gets the same failure without being checked, until the minute has passed. Names
 * without an account are throttled the same way, so throttling reveals no account.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { RawResponse } from "../support/portal";
import { EditorClient, PASSWORD, addEditor, totpCode } from "./editor-support";
import { queryDb, withPortal } from "./helpers/fixture";

const portal = withPortal();
let secret: string;

beforeAll(async () => {
  secret = (await addEditor(portal().dataDir, "alice")).secret;
  await addEditor(portal().dataDir, "carol");
});

function expectGenericFailure(res: RawResponse, what: string): void {
  expect(res.status, what).toBe(303);
  expect(res.headers.location, what).toBe("/editor/login?failed");
  expect(res.headers["set-cookie"], what).toBeUndefined();
  expect(res.text, what).toBe("");
}

/** One login POST, timed on its own (the login page fetched before the clock starts). */
async function timedLogin(client: EditorClient, name: string, password: string, code: string): Promise<{ res: RawResponse; ms: number }> {
  const csrf = await client.loginToken();
  const start = performance.now();
  const res = await client.post("/editor/login", { name, password, code, csrf });
  return { res, ms: performance.now() - start };
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

function failedLogins(name: string): number {
  const [row] = queryDb(portal().dataDir, "SELECT count(*) AS n FROM editor_audit WHERE action = 'login_failed' AND editor = ?", name);
  return typeof row === "object" && row !== null && "n" in row && typeof row.n === "number" ? row.n : -1;
}

describe("per-account throttle", () => {
  it("5 failures reach the hash; the 6th and a correct login in the same minute do not; after the minute it works", { timeout: 180_000 }, async () => {
    const client = new EditorClient(portal().editorUrl);
    const hashed: number[] = [];
    for (let i = 0; i < 5; i++) {
      const { res, ms } = await timedLogin(client, "alice", `wrong password ${i}`, totpCode(secret));
      expectGenericFailure(res, `failure ${i + 1}`);
      hashed.push(ms);
    }
    // Every attempt that reached the hash left an audit line; throttled ones cannot.
    expect(failedLogins("alice")).toBe(5);

    const sixth = await timedLogin(client, "alice", "wrong password 6", totpCode(secret));
    expectGenericFailure(sixth.res, "6th failure");
    const seventh = await timedLogin(client, "alice", "wrong password 7", totpCode(secret));
    expectGenericFailure(seventh.res, "7th failure");
    // The right password with a valid code, during the lockout: refused without being checked.
    const correct = await timedLogin(client, "ALICE", PASSWORD, totpCode(secret, 1));
    expectGenericFailure(correct.res, "correct login during lockout");
    expect(failedLogins("alice")).toBe(5);
    expect(queryDb(portal().dataDir, "SELECT count(*) AS n FROM editor_sessions")).toEqual([{ n: 0 }]);
    // And none of them hashed: Argon2id (64 MiB, t=3) costs far more than a refusal without it.
    // Fastest refusal against the median hashed attempt, so one scheduling hiccup cannot flip it.
    const refusals = [sixth.ms, seventh.ms, correct.ms];
    console.info(`hashed attempts ${hashed.map((m) => m.toFixed(0)).join("/")} ms; throttled ${refusals.map((m) => m.toFixed(0)).join("/")} ms`);
    expect(Math.min(...refusals)).toBeLessThan(median(hashed) / 2);

    // Another account is not affected.
    const carol = await client.login("carol", "wrong", "000000");
    expectGenericFailure(carol, "carol");
    expect(failedLogins("carol")).toBe(1);

    await new Promise((resolve) => setTimeout(resolve, 61_000));
    const after = await client.login("alice", PASSWORD, totpCode(secret, 1));
    expect(after.status).toBe(303);
    expect(after.headers.location).toBe("/editor");
  });

  it("parallel guesses cannot overrun the limit", async () => {
    const before = failedLogins("carol");
    const clients = Array.from({ length: 12 }, () => new EditorClient(portal().editorUrl));
    const results = await Promise.all(clients.map((c, i) => c.login("carol", `parallel guess ${i}`, "123456")));
    for (const [i, res] of results.entries()) expectGenericFailure(res, `parallel ${i}`);
    // Carol's one earlier failure is more than a minute old: exactly 5 of the 12 reached the hash.
    expect(failedLogins("carol") - before).toBe(5);
  });

  it("a name without an account is throttled exactly like one with an account", async () => {
    const client = new EditorClient(portal().editorUrl);
    const hashed: number[] = [];
    for (let i = 0; i < 5; i++) {
      const { res, ms } = await timedLogin(client, "nobody-here", `guess ${i}`, "123456");
      expectGenericFailure(res, `unknown ${i}`);
      hashed.push(ms);
    }
    const refusals: number[] = [];
    for (let i = 6; i <= 8; i++) {
      const { res, ms } = await timedLogin(client, "nobody-here", `guess ${i}`, "123456");
      expectGenericFailure(res, `unknown ${i}th`);
      refusals.push(ms);
    }
    expect(Math.min(...refusals)).toBeLessThan(median(hashed) / 2);
  });
});
