/**
 * Fetch and verify the editors' keyring before anything is encrypted. A keyring that does not
 * verify is never used: better to send nothing than to send to keys the organisation did not sign.
 */
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
    const trusted = options.trustedRootFingerprint;
    const result = await verifyKeyring(bundle, trusted && /^[0-9A-F]{40}$/.test(trusted) ? { trustedRootFingerprint: trusted } : {});
    if (!result.ok) throw new SubmitError("keyring-invalid", `keyring refused: ${result.reason}`, result.reason);
    return result.keyring;
  } finally {
    retrier.dispose();
  }
}
