import { useCallback, useEffect, useRef, useState } from "react";
import type { VerifiedKeyring } from "~/keyring/verify";
import { sendSubmission, type Receipt, type SendOptions, type SubmissionInput, type SubmissionProgress } from "~/submit/engine.client";
import { toSubmitError, type SubmitError } from "~/submit/errors";

export type SubmissionState =
  | { status: "idle" }
  | { status: "keyring" }
  | { status: "running"; progress: SubmissionProgress | null }
  | { status: "done"; receipt: Receipt }
  | { status: "failed"; error: SubmitError };

/**
 * The page's view of one run of the engine. Progress is coalesced to one update per animation
 * frame: the engine reports every chunk, the screen need not redraw that often.
 */
export function useSubmission(): {
  state: SubmissionState;
  start: (input: SubmissionInput, keyring: () => Promise<VerifiedKeyring>, extra?: Pick<SendOptions, "beforeSeal">) => void;
} {
  const [state, setState] = useState<SubmissionState>({ status: "idle" });
  const controller = useRef<AbortController | null>(null);

  useEffect(
    () => () => {
      // Leaving the page stops the upload rather than letting it run on unseen.
      controller.current?.abort();
    },
    [],
  );

  const start = useCallback((input: SubmissionInput, keyring: () => Promise<VerifiedKeyring>, extra?: Pick<SendOptions, "beforeSeal">) => {
    if (controller.current && !controller.current.signal.aborted) return;
    const run = new AbortController();
    controller.current = run;
    let latest: SubmissionProgress | null = null;
    let frame: number | null = null;
    const flush = () => {
      frame = null;
      if (!run.signal.aborted) setState({ status: "running", progress: latest });
    };
    setState({ status: "keyring" });
    (async () => {
      const { recipients } = await keyring();
      run.signal.throwIfAborted();
      setState({ status: "running", progress: null });
      return sendSubmission(input, {
        ...extra,
        recipients,
        signal: run.signal,
        onProgress: (progress) => {
          latest = progress;
          frame ??= requestAnimationFrame(flush);
        },
      });
    })().then(
      (receipt) => {
        if (frame !== null) cancelAnimationFrame(frame);
        setState({ status: "done", receipt });
      },
      (error: unknown) => {
        if (frame !== null) cancelAnimationFrame(frame);
        if (!run.signal.aborted) setState({ status: "failed", error: toSubmitError(error) });
        // Marks this run as over, so the witness can start another.
        run.abort();
      },
    );
  }, []);

  return { state, start };
}
