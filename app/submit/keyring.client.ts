/**
 * Fetch and verify the editors' keyring before anything is encrypted. A keyring that does not
 * verify is never used: better to send nothing than to send to keys the organisation did not sign.
 */
import { PINNED_ROOT_FINGERPRINT } from "~/keyring/pinned-root.generated";
import { verifyKeyring, type VerifiedKeyring } from "~/keyring/verify";
import { createSubmissionApi, defaultTimeoutMs, type FetchLike } from "./api.client";
import type { BackoffPolicy } from "./backoff.client";
import { browserConnectivity, type Connectivity } from "./connectivity.client";
import { SubmitError } from "./errors";
import { Retrier, type ConnectionState } from "./retry.client";
import { requireWebCrypto } from "./webcrypto.client";

export interface LoadKeyringOptions {
  fetch?: FetchLike;
  baseUrl?: string;
  /**
   * The root fingerprint the page showed the witness. Passing it makes the browser refuse a
   * keyring signed by any other root, so what the witness compared is what is used.
   */
  trustedRootFingerprint?: string;
  /**
   * The root fingerprint built into this bundle at build time (npm prebuild, from
   * TESTIGO_ROOT_FINGERPRINT). It is the one that counts: unlike the page's, a seized server cannot
   * change it without changing the code it serves. null: this build pins nothing (demo). Tests
   * pass it; the page leaves it to the build.
   */
  pinnedRootFingerprint?: string | null;
  connectivity?: Connectivity;
  backoff?: BackoffPolicy;
  signal?: AbortSignal;
  onConnection?: (state: ConnectionState) => void;
}

export function defaultFetch(): FetchLike {
  // Called through globalThis: a detached `fetch` throws "Illegal invocation" in some browsers.
  return (url, init) => globalThis.fetch(url, init);
}

export async function loadKeyring(options: LoadKeyringOptions = {}): Promise<VerifiedKeyring> {
  // Checked first: without Web Crypto the verification below would fail as if the keys were bad.
  requireWebCrypto();
  const api = createSubmissionApi({ fetch: options.fetch ?? defaultFetch(), baseUrl: options.baseUrl ?? "", timeoutMs: defaultTimeoutMs });
  const signal = options.signal ?? new AbortController().signal;
  const retrier = new Retrier({
    connectivity: options.connectivity ?? browserConnectivity(),
    backoff: options.backoff,
    signal,
    onChange: () => options.onConnection?.(retrier.connection),
  });
  try {
    const bundle = await retrier.run((s) => api.getKeyring(s));
    const shown = options.trustedRootFingerprint;
    const page = shown && /^[0-9A-F]{40}$/.test(shown) ? shown : null;
    const pinned = pinnedRoot(options);
    // The witness compares the page's fingerprint with a published one; if the built-in pin is a
    // different root, what they compared is not what would be used: refuse rather than proceed.
    if (pinned !== null && page !== null && page !== pinned) {
      const reason = `the page shows root key ${page}, but this page's code is built for root key ${pinned}`;
      throw new SubmitError("keyring-invalid", `keyring refused: ${reason}`, reason);
    }
    const trusted = pinned ?? page;
    const result = await verifyKeyring(bundle, trusted !== null ? { trustedRootFingerprint: trusted } : {});
    if (!result.ok) throw new SubmitError("keyring-invalid", `keyring refused: ${result.reason}`, result.reason);
    return result.keyring;
  } finally {
    retrier.dispose();
  }
}

/** The root fingerprint this build pins, or null (demo builds): the page can say which. */
export function pinnedRoot(options: Pick<LoadKeyringOptions, "pinnedRootFingerprint"> = {}): string | null {
  const pinned = options.pinnedRootFingerprint === undefined ? PINNED_ROOT_FINGERPRINT : options.pinnedRootFingerprint;
  return pinned !== null && /^[0-9A-F]{40}$/.test(pinned) ? pinned : null;
}
