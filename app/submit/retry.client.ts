/**
 * Unlimited, polite retrying while the page is open: wait while offline, back off exponentially
 * with jitter after a failure, and let the caller look before it leaps again (the resume check
 * that keeps a part the server already has from being sent twice).
 */
import type { Outcome } from "./api.client";
import { DEFAULT_BACKOFF, backoffDelay, type BackoffPolicy } from "./backoff.client";
import { pause, waitUntilOnline, type Connectivity } from "./connectivity.client";

export type ConnectionState = "online" | "offline" | "retrying";

/**
 * Ceiling of the backoff after a request got no answer at all. Tor Browser (resistFingerprinting)
 * keeps navigator.onLine true and fires no online/offline events, so the only way to notice that
 * a link is back is to try: a short ceiling resumes within seconds after a power cut, and jitter
 * still spreads out phones that lost the network together. Overload answers (429/503) keep the
 * full backoff.
 */
export const NETWORK_RETRY_MAX_MS = 8_000;

export interface RetrierOptions {
  connectivity: Connectivity;
  backoff?: BackoffPolicy;
  signal: AbortSignal;
  /** Called whenever `connection` or `retryAt` may have changed. */
  onChange?: () => void;
}

export class Retrier {
  readonly #connectivity: Connectivity;
  readonly #backoff: BackoffPolicy;
  readonly #signal: AbortSignal;
  readonly #onChange: () => void;
  readonly #unsubscribe: () => void;
  /** Deadlines of the retries now waiting, one per waiting operation. */
  readonly #waits = new Map<symbol, number>();

  constructor(options: RetrierOptions) {
    this.#connectivity = options.connectivity;
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.#signal = options.signal;
    this.#onChange = options.onChange ?? (() => undefined);
    this.#unsubscribe = this.#connectivity.subscribe(() => this.#onChange());
  }

  get connection(): ConnectionState {
    if (!this.#connectivity.isOnline()) return "offline";
    return this.#waits.size > 0 ? "retrying" : "online";
  }

  /** When the earliest waiting retry is due (epoch ms), or null if none is waiting. */
  get retryAt(): number | null {
    return this.#waits.size === 0 ? null : Math.min(...this.#waits.values());
  }

  /**
   * Runs `call` until it succeeds or fails for good. After each retryable failure it backs off,
   * then asks `beforeRetry`: a value there means the work turned out to be done already.
   */
  async run<T>(call: (signal: AbortSignal) => Promise<Outcome<T>>, beforeRetry?: () => Promise<T | undefined>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      await waitUntilOnline(this.#connectivity, this.#signal);
      const outcome = await call(this.#signal);
      if (outcome.kind === "ok") return outcome.value;
      if (outcome.kind === "fatal") throw outcome.error;
      const policy = outcome.network ? { ...this.#backoff, maxMs: Math.min(this.#backoff.maxMs, NETWORK_RETRY_MAX_MS) } : this.#backoff;
      await this.#wait(backoffDelay(attempt, policy));
      if (beforeRetry) {
        const done = await beforeRetry();
        if (done !== undefined) return done;
      }
    }
  }

  async #wait(ms: number): Promise<void> {
    const key = Symbol("retry");
    this.#waits.set(key, Date.now() + ms);
    this.#onChange();
    try {
      await pause(ms, this.#connectivity, this.#signal);
    } finally {
      this.#waits.delete(key);
      this.#onChange();
    }
  }

  dispose(): void {
    this.#unsubscribe();
  }
}
