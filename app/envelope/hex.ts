export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new TypeError("fromHex: not a hex string");
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** getRandomValues fills at most 65,536 bytes per call (Web Crypto spec). */
const MAX_RANDOM_BLOCK = 65_536;

export function randomBytes(length: number): Uint8Array {
  // Web Crypto exists in every browser we support and in Node >= 20 as globalThis.crypto.
  const out = new Uint8Array(length);
  for (let offset = 0; offset < length; offset += MAX_RANDOM_BLOCK) {
    globalThis.crypto.getRandomValues(out.subarray(offset, Math.min(offset + MAX_RANDOM_BLOCK, length)));
  }
  return out;
}
