/**
 * Padmé padding (Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and Communication
 * with PURBs", 2019): rounds a length up so that only O(log log L) bits of it remain, with at most
 * ~12 % overhead. The server sees padded sizes only; the true size lives inside the encryption.
 */

/** Everything up to this size looks the same; small files say nothing about their length. */
export const MIN_PADDED_SIZE = 4096;

export function padme(length: number): number {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`padme: length must be a non-negative safe integer, got ${length}`);
  }
  if (length < 2) return length;
  const e = Math.floor(Math.log2(length));
  const s = Math.floor(Math.log2(e)) + 1;
  const lastBits = e - s;
  const unit = 2 ** lastBits;
  return Math.ceil(length / unit) * unit;
}

export function paddedSize(length: number, minimum: number = MIN_PADDED_SIZE): number {
  return padme(Math.max(length, minimum));
}
