import { afterEach, describe, expect, it, vi } from "vitest";
import { NETWORK_RETRY_MAX_MS, Retrier } from "~/submit/retry.client";
import { alwaysOnline } from "~/submit/connectivity.client";
import type { Outcome } from "~/submit/api.client";

afterEach(() => {
  vi.useRealTimers();
});

/** The delay the retrier chose after one failure of the given kind. */
async function firstDelay(failure: Outcome<string>): Promise<number> {
  vi.useFakeTimers();
  const retrier = new Retrier({ connectivity: alwaysOnline, backoff: { initialMs: 60_000, maxMs: 120_000 }, signal: new AbortController().signal });
  let calls = 0;
  const done = retrier.run(async () => (++calls === 1 ? failure : { kind: "ok", value: "stored" }));
  await vi.advanceTimersByTimeAsync(0);
  const delay = (retrier.retryAt ?? 0) - Date.now();
  await vi.advanceTimersByTimeAsync(120_000);
  expect(await done).toBe("stored");
  expect(calls).toBe(2);
  retrier.dispose();
  return delay;
}

describe("retry backoff", () => {
  it("a request that got no answer is retried within a few seconds (Tor Browser never reports offline)", async () => {
    const delay = await firstDelay({ kind: "retry", reason: "fetch failed", network: true });
    expect(delay).toBeGreaterThan(0);
    expect(delay).toBeLessThanOrEqual(NETWORK_RETRY_MAX_MS);
  });

  it("an overloaded server (503/429) gets the full backoff", async () => {
    const delay = await firstDelay({ kind: "retry", reason: "HTTP 503" });
    expect(delay).toBeGreaterThanOrEqual(30_000);
  });
});
