/**
 * Fingerprints as people read and type them. Staff compare the root fingerprint with the one
 * published elsewhere, so it is printed the way GnuPG prints it (ten groups of four, a double
 * space in the middle) and accepted back with or without spaces, in either case.
 */
import { z } from "zod";

export function groupFingerprint(fpr: string): string {
  const groups = fpr.toUpperCase().match(/.{1,4}/g) ?? [];
  return `${groups.slice(0, 5).join(" ")}  ${groups.slice(5).join(" ")}`.trim();
}

/** A v4 fingerprint typed by a person: spaces and a 0x prefix are dropped, case is ignored. */
export const FingerprintArg = z
  .string()
  .transform((s) => s.replace(/\s+/g, "").replace(/^0x/i, "").toUpperCase())
  .pipe(z.string().regex(/^[0-9A-F]{40}$/, "a fingerprint is 40 hexadecimal digits (v4 key)"));
