import { useCallback, useEffect, useRef, useState } from "react";
import type { VerifiedKeyring } from "~/keyring/verify";
import { toSubmitError, type SubmitError } from "~/submit/errors";
import { loadKeyring } from "~/submit/keyring.client";
import type { ConnectionState } from "~/submit/retry.client";

export type KeyringState =
  | { status: "loading"; connection: ConnectionState }
  | { status: "ready"; keyring: VerifiedKeyring }
  | { status: "failed"; error: SubmitError };

/**
 * Fetches and verifies the keyring as soon as the page runs, so a bad keyring is reported before
 * the witness has typed anything, and sending does not wait for it.
 */
export function useKeyring(trustedRootFingerprint: string): {
  state: KeyringState;
  /** The verified keyring; starts over if the last attempt failed for a reason worth retrying. */
  ensure: () => Promise<VerifiedKeyring>;
} {
  const [state, setState] = useState<KeyringState>({ status: "loading", connection: "online" });
  const pending = useRef<Promise<VerifiedKeyring> | null>(null);
  const controller = useRef<AbortController | null>(null);

  const start = useCallback((): Promise<VerifiedKeyring> => {
    controller.current ??= new AbortController();
    setState({ status: "loading", connection: "online" });
    const promise = loadKeyring({
      trustedRootFingerprint,
      signal: controller.current.signal,
      onConnection: (connection) => setState((s) => (s.status === "loading" ? { status: "loading", connection } : s)),
    }).then(
      (keyring) => {
        setState({ status: "ready", keyring });
        return keyring;
      },
      (error: unknown) => {
        const failure = toSubmitError(error);
        if (!controller.current?.signal.aborted) setState({ status: "failed", error: failure });
        // A keyring that failed verification stays refused; anything else may be tried again.
        if (failure.code !== "keyring-invalid") pending.current = null;
        throw failure;
      },
    );
    pending.current = promise;
    return promise;
  }, [trustedRootFingerprint]);

  useEffect(() => {
    start().catch(() => undefined);
    return () => {
      controller.current?.abort();
      controller.current = null;
      pending.current = null;
    };
  }, [start]);

  const ensure = useCallback(() => pending.current ?? start(), [start]);
  return { state, ensure };
}
