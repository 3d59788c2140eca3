import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { MIN_PADDED_SIZE, padme, paddedSize } from "~/envelope/padding";
import { chunkCount } from "~/envelope/format";

describe("Padmé padding", () => {
  it("known values", () => {
    expect(padme(0)).toBe(0);
    expect(padme(1)).toBe(1);
    expect(padme(9)).toBe(10);
    expect(padme(1000)).toBe(1024);
    // E = 18, S = 5: the last 13 bits are rounded up.
    expect(padme(260 * 1024 + 1)).toBe(270336);
    expect(paddedSize(0)).toBe(MIN_PADDED_SIZE);
    expect(paddedSize(MIN_PADDED_SIZE)).toBe(MIN_PADDED_SIZE);
  });

  it("never shrinks, overhead at most 12 %, monotone", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 2 ** 42 }), (n) => {
        const p = padme(n);
        expect(p).toBeGreaterThanOrEqual(n);
        expect((p - n) / n).toBeLessThanOrEqual(0.12);
        expect(padme(n + 1)).toBeGreaterThanOrEqual(p);
      }),
      { numRuns: 5000 },
    );
  });

  it("leaks few distinct sizes: 1..100 MB map to a few hundred buckets", () => {
    const buckets = new Set<number>();
    for (let n = 1_000_000; n <= 100_000_000; n += 997) buckets.add(paddedSize(n));
    expect(buckets.size).toBeLessThan(400);
  });

  it("chunk counts cover the padded size", () => {
    expect(chunkCount(4096, 2 * 1024 * 1024)).toBe(1);
    expect(chunkCount(4 * 1024 * 1024, 2 * 1024 * 1024)).toBe(2);
    expect(chunkCount(4 * 1024 * 1024 + 1, 2 * 1024 * 1024)).toBe(3);
  });

  it("rejects nonsense lengths", () => {
    expect(() => padme(-1)).toThrow(RangeError);
    expect(() => padme(1.5)).toThrow(RangeError);
  });
});
