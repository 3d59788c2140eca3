/**
 * From a codename to the two secrets the witness's browser needs: the login verifier it sends
 * the server and the passphrase of its OpenPGP secret key. Pure JS (@noble/hashes): the CSP
 * allows neither WASM nor eval. See docs/adr/0006-codename-derivation.md.
 */
import { hkdf } from "@noble/hashes/hkdf";
import { scryptAsync } from "@noble/hashes/scrypt";
import { sha256 } from "@noble/hashes/sha2";
import { toHex } from "../envelope/hex";
import { normalizeCodename } from "./codename";

export const CODENAME_KDF = {
  algorithm: "scrypt",
  // 2^15 * 128 * r = 32 MiB. The 90-bit codename is what defeats guessing; scrypt is margin on top.
  // Tor Browser's "Safer" level turns the JIT off, and there 2^16 took 13 s on a server core (so
  // most of a minute on a cheap phone) against 0.3 s with the JIT: 2^15 halves that wait.
  N: 2 ** 15,
  r: 8,
  p: 1,
  dkLen: 32,
  // Constant: before login there is no per-user state to hold a salt, and a 90-bit secret makes
  // precomputed tables pointless (ADR 0006). Versioned so a later change of parameters is a new salt.
  salt: "testigo/codename/v1",
  loginInfo: "testigo/codename/v1/login",
  keyPassphraseInfo: "testigo/codename/v1/key-passphrase",
  outputBytes: 32,
} as const;

/**
 * Longest stretch scrypt may run without yielding, in ms: short enough that the progress bar and
 * the page keep moving on a slow phone (a 60 Hz frame is ~16 ms).
 */
const ASYNC_TICK_MS = 10;

export interface CodenameSecrets {
  /** Sent to the server, which stores only its SHA-256. 64 lowercase hex. */
  login: string;
  /** Protects the witness's OpenPGP secret key (S2K). 64 lowercase hex. */
  keyPassphrase: string;
}

export async function deriveCodenameSecrets(
  codename: string,
  options: { onProgress?: (fraction: number) => void } = {},
): Promise<CodenameSecrets> {
  const normalized = normalizeCodename(codename);
  if (normalized === "") throw new Error("deriveCodenameSecrets: the codename is empty");
  const utf8 = new TextEncoder();
  const master = await scryptAsync(utf8.encode(normalized), utf8.encode(CODENAME_KDF.salt), {
    N: CODENAME_KDF.N,
    r: CODENAME_KDF.r,
    p: CODENAME_KDF.p,
    dkLen: CODENAME_KDF.dkLen,
    asyncTick: ASYNC_TICK_MS,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  // Two independent outputs: the server sees the verifier (and keeps its hash), so it must reveal
  // nothing about the passphrase that protects the secret key the server also stores.
  const expand = (info: string) => toHex(hkdf(sha256, master, undefined, utf8.encode(info), CODENAME_KDF.outputBytes));
  const secrets = { login: expand(CODENAME_KDF.loginInfo), keyPassphrase: expand(CODENAME_KDF.keyPassphraseInfo) };
  master.fill(0);
  return secrets;
}
