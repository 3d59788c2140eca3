import { useRef, useState } from "react";
import { MAX_FILES } from "~/envelope/format";
import type { Catalogue } from "~/i18n/messages";
import { checkInput, type SendOptions, type SubmissionInput } from "~/submit/engine.client";
import { toSubmitError, type SubmitError } from "~/submit/errors";
import type { PickedFile } from "./FilePicker";
import type { useKeyring } from "./use-keyring";
import { useLeaveGuard } from "./use-leave-guard";
import { useNow } from "./use-now";
import { useSubmission } from "./use-submission";
import { useWakeLock } from "./use-wake-lock";

/**
 * What a page that encrypts and sends needs around the engine: the chosen files, the input check
 * before anything starts, the page kept awake and guarded while sending, and the one error to
 * show. The first submission and a follow-up both use it.
 */
export function useSending(t: Catalogue, keyring: ReturnType<typeof useKeyring>) {
  const submission = useSubmission();
  const [files, setFiles] = useState<PickedFile[]>([]);
  const [fileNotice, setFileNotice] = useState<string | null>(null);
  const [invalid, setInvalid] = useState<SubmitError | null>(null);
  const nextKey = useRef(0);

  const { state } = submission;
  const busy = state.status === "keyring" || state.status === "running";
  const retrying = state.status === "running" && state.progress?.connection === "retrying";
  const now = useNow(retrying);
  useLeaveGuard(busy, t.submit.leaveWarning);
  useWakeLock(busy);

  function addFiles(picked: File[]) {
    setFileNotice(null);
    setInvalid(null);
    const room = Math.max(0, MAX_FILES - files.length);
    if (picked.length > room) setFileNotice(t.submit.tooManyFiles(MAX_FILES));
    setFiles([...files, ...picked.slice(0, room).map((file) => ({ key: nextKey.current++, file }))]);
  }

  function removeFile(key: number) {
    setFileNotice(null);
    setFiles((current) => current.filter((f) => f.key !== key));
  }

  /** Starts sending the files with this input; false (and the reason shown) if the input is refused. */
  function send(input: Omit<SubmissionInput, "files">, extra?: Pick<SendOptions, "beforeSeal">): boolean {
    const full: SubmissionInput = { ...input, files: files.map((f) => f.file) };
    try {
      checkInput(full);
    } catch (error) {
      setInvalid(toSubmitError(error));
      return false;
    }
    setInvalid(null);
    submission.start(full, keyring.ensure, extra);
    return true;
  }

  const error = invalid ?? (state.status === "failed" ? state.error : keyring.state.status === "failed" ? keyring.state.error : null);
  return { state, busy, now, files, fileNotice, addFiles, removeFile, send, error };
}
