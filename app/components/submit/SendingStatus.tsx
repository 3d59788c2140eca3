import type { Ref } from "react";
import type { Lang } from "~/i18n/lang";
import type { Catalogue } from "~/i18n/messages";
import type { SubmitError } from "~/submit/errors";
import { ErrorNotice } from "./ErrorNotice";
import { ProgressPanel } from "./ProgressPanel";
import { StatusLine } from "./StatusLine";
import { status } from "./status";
import type { KeyringState } from "./use-keyring";
import type { SubmissionState } from "./use-submission";

/** The status line, the error in the witness's words, and the progress while sending. */
export function SendingStatus(props: {
  t: Catalogue;
  lang: Lang;
  hydrated: boolean;
  keyring: KeyringState;
  state: SubmissionState;
  now: number;
  error: SubmitError | null;
  areaRef?: Ref<HTMLDivElement>;
}) {
  const { t, lang, state, error } = props;
  return (
    <div ref={props.areaRef} className="status-area">
      <StatusLine status={status(t, { hydrated: props.hydrated, keyring: props.keyring, submission: state, now: props.now })} />
      {error ? <ErrorNotice t={t} error={error} retryable={state.status === "failed" && error.code !== "keyring-invalid"} /> : null}
      {state.status === "running" ? <ProgressPanel t={t} lang={lang} progress={state.progress} /> : null}
    </div>
  );
}
