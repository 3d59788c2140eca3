import { SubmitError } from "./errors";

/**
 * Web Crypto exists only in secure contexts (https, .onion, localhost). Without it nothing can be
 * encrypted, and there is no plaintext fallback: say so plainly instead of failing obscurely.
 */
export function requireWebCrypto(): void {
  if (typeof globalThis.crypto?.subtle?.digest !== "function" || typeof globalThis.crypto.getRandomValues !== "function") {
    throw new SubmitError("no-webcrypto", "Web Crypto is not available (not a secure context?)");
  }
}
