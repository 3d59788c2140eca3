import { sha256 } from "@noble/hashes/sha2";
import { toHex } from "./hex";

/** One-shot SHA-256 with the platform's native implementation (fast; used per part). */
export async function sha256Hex(data: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest("SHA-256", toArrayBuffer(data));
  return toHex(new Uint8Array(digest));
}

/**
 * Incremental SHA-256 for whole files of any size. Web Crypto has no incremental digest, and the
 * receipt must show the ordinary `sha256sum` of the file, so a streaming JS implementation it is.
 */
export interface IncrementalHash {
  update(data: Uint8Array): void;
  digestHex(): string;
}

export function createSha256(): IncrementalHash {
  const h = sha256.create();
  return {
    update: (data) => {
      h.update(data);
    },
    digestHex: () => toHex(h.digest()),
  };
}

function toArrayBuffer(data: Uint8Array): ArrayBuffer {
  if (data.buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) {
    return data.buffer;
  }
  return data.slice().buffer;
}
