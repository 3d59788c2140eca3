/**
 * TOTP (RFC 6238) second factor. SHA-1, 6 digits, 30 s: the only parameters every authenticator
 * app (Google Authenticator, FreeOTP, Aegis, KeePassXC) honours; the others silently ignore
 * SHA-256 or 8 digits and then show wrong codes. Tor Browser disables WebAuthn, so TOTP is the
 * baseline second factor.
 */
import { randomBytes } from "node:crypto";
import { Secret, TOTP } from "otpauth";

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
const ISSUER = "Testigo";

/** 160 random bits (RFC 4226's recommended secret length), from node:crypto, as base32. */
export function newTotpSecret(): string {
  // Copy into a fresh ArrayBuffer: a small Buffer may be a view into Node's shared pool.
  return new Secret({ buffer: new Uint8Array(randomBytes(20)).buffer }).base32;
}

function totpFor(name: string, secretBase32: string): TOTP {
  return new TOTP({
    issuer: ISSUER,
    label: name,
    algorithm: "SHA1",
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    secret: Secret.fromBase32(secretBase32),
  });
}

/** The otpauth:// URI an authenticator app scans. */
export function enrolmentUri(name: string, secretBase32: string): string {
  return totpFor(name, secretBase32).toString();
}

/**
 * The time step a code belongs to, or null when it matches none of the current step and one step
 * either side (clock drift between the server and a phone). The caller refuses a step it has
 * already accepted, so each code works once.
 */
export function matchingStep(secretBase32: string, code: string, nowMs: number): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totpFor("editor", secretBase32).validate({ token: code, timestamp: nowMs, window: 1 });
  if (delta === null) return null;
  return TOTP.counter({ period: TOTP_PERIOD_SECONDS, timestamp: nowMs }) + delta;
}
