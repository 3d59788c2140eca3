/**
 * Cross-site request forgery defence for every non-GET request on the editor listener, in two
 * independent layers: the request must come from our own origin (Origin, or Sec-Fetch-Site when a
 * browser sends no Origin), and its form must carry the session's token (or, before login, the
 * login cookie's token). SameSite=Strict cookies are a third layer, not counted on alone.
 */
import { createHash, timingSafeEqual } from "node:crypto";

/** What the checks need from a request, from Express or from a Fetch Request alike. */
export interface RequestFacts {
  host: string | null;
  origin: string | null;
  secFetchSite: string | null;
  cookie: string | null;
}

/**
 * True when the request comes from a page of this very origin. `expectedOrigin` pins it (behind a
 * TLS or onion proxy that rewrites Host); without it the Origin's host must equal the Host header.
 */
export function isSameOrigin(facts: RequestFacts, expectedOrigin: string | undefined): boolean {
  const site = facts.secFetchSite;
  if (site !== null && site !== "same-origin") return false;
  if (facts.origin === null) return site === "same-origin";
  if (expectedOrigin !== undefined) return facts.origin === expectedOrigin;
  if (facts.host === null) return false;
  let url: URL;
  try {
    url = new URL(facts.origin);
  } catch {
    return false; // includes the opaque "null" origin of sandboxed frames and data: pages
  }
  return (url.protocol === "http:" || url.protocol === "https:") && url.origin === facts.origin && url.host === facts.host.toLowerCase();
}

/** Constant-time comparison of two tokens of any length (hashed first to equal lengths). */
export function tokensEqual(expected: string, given: string): boolean {
  if (expected.length === 0) return false;
  const a = createHash("sha256").update(expected).digest();
  const b = createHash("sha256").update(given).digest();
  return timingSafeEqual(a, b);
}
