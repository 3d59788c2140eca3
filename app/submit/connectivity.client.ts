/**
 * Whether the device thinks it is online. Phones lose the network for hours (power cuts); while
 * offline nothing is attempted, and the `online` event resumes at once instead of after a backoff.
 */
export interface Connectivity {
  isOnline(): boolean;
  /** Calls `listener` on every change; returns the function that unsubscribes. */
  subscribe(listener: (online: boolean) => void): () => void;
}

export const alwaysOnline: Connectivity = {
  isOnline: () => true,
  subscribe: () => () => undefined,
};

export function browserConnectivity(): Connectivity {
  if (typeof window === "undefined" || typeof navigator === "undefined") return alwaysOnline;
  return {
    isOnline: () => navigator.onLine !== false,
    subscribe(listener) {
      const online = () => listener(true);
      const offline = () => listener(false);
      // A phone coming back to the page (screen on after a power cut) is a good moment to try
      // again at once; where navigator.onLine cannot be trusted (Tor Browser) it is the only cue.
      const visible = () => {
        if (document.visibilityState === "visible" && navigator.onLine !== false) listener(true);
      };
      window.addEventListener("online", online);
      window.addEventListener("offline", offline);
      document.addEventListener("visibilitychange", visible);
      return () => {
        window.removeEventListener("online", online);
        window.removeEventListener("offline", offline);
        document.removeEventListener("visibilitychange", visible);
      };
    },
  };
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted.", "AbortError");
}

/** Resolves once online (at once if already); rejects if `signal` aborts first. */
export function waitUntilOnline(connectivity: Connectivity, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  if (connectivity.isOnline()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = () => {
      unsubscribe();
      signal.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      done();
      reject(abortReason(signal));
    };
    const unsubscribe = connectivity.subscribe((online) => {
      if (!online) return;
      done();
      resolve();
    });
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Waits `ms`, or less if the connection comes back meanwhile: after a power cut the witness
 * should not wait out a 30 s backoff that was started while the network was down.
 */
export function pause(ms: number, connectivity: Connectivity, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      unsubscribe();
      signal.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      done();
      reject(abortReason(signal));
    };
    const timer = setTimeout(() => {
      done();
      resolve();
    }, ms);
    const unsubscribe = connectivity.subscribe((online) => {
      if (!online) return;
      done();
      resolve();
    });
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
