import { useEffect } from "react";

/**
 * Keeps the screen on while an upload runs: a phone that sleeps suspends the page, and a video
 * of several GB on a slow link takes longer than any screen timeout. Where the browser or the
 * server's Permissions-Policy does not allow it, this quietly does nothing.
 */
export function useWakeLock(active: boolean): void {
  useEffect(() => {
    if (!active || typeof navigator === "undefined" || !("wakeLock" in navigator) || !allowedByPolicy()) return;
    let lock: WakeLockSentinel | null = null;
    let stopped = false;
    const acquire = () => {
      if (document.visibilityState !== "visible") return;
      navigator.wakeLock.request("screen").then(
        (sentinel) => {
          if (stopped) void sentinel.release();
          else lock = sentinel;
        },
        () => undefined,
      );
    };
    // The lock is dropped whenever the page is hidden; take it again when the witness returns.
    document.addEventListener("visibilitychange", acquire);
    acquire();
    return () => {
      stopped = true;
      document.removeEventListener("visibilitychange", acquire);
      if (lock) void lock.release();
    };
  }, [active]);
}

/** Asking where the Permissions-Policy forbids it would only log a policy violation. */
function allowedByPolicy(): boolean {
  if (!("featurePolicy" in document)) return true;
  const policy = document.featurePolicy;
  if (typeof policy !== "object" || policy === null || !("allowsFeature" in policy) || typeof policy.allowsFeature !== "function") {
    return true;
  }
  return Reflect.apply(policy.allowsFeature, policy, ["screen-wake-lock"]) === true;
}
