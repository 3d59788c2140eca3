import { useRouteLoaderData } from "@remix-run/react";
import { useRef, useState } from "react";
import { NoScriptNotice } from "~/components/NoScriptNotice";
import { CodenamePanel } from "~/components/contact/CodenamePanel";
import { ErrorNotice } from "~/components/submit/ErrorNotice";
import { FilePicker, type PickedFile } from "~/components/submit/FilePicker";
import { ProgressPanel } from "~/components/submit/ProgressPanel";
import { ReceiptView } from "~/components/submit/ReceiptView";
import { ReportFields } from "~/components/submit/ReportFields";
import { StatusLine } from "~/components/submit/StatusLine";
import { status } from "~/components/submit/status";
import { useKeyring } from "~/components/submit/use-keyring";
import { useLeaveGuard } from "~/components/submit/use-leave-guard";
import { useNow } from "~/components/submit/use-now";
import { useSubmission } from "~/components/submit/use-submission";
import { useWakeLock } from "~/components/submit/use-wake-lock";
import { useHydrated } from "~/components/use-hydrated";
import { MAX_FILES, type Report } from "~/envelope/format";
import { normalizeFingerprint } from "~/i18n/format";
import { useLang, useMessages } from "~/i18n/use-lang";
import type { loader as rootLoader } from "~/root";
import { checkInput } from "~/submit/engine.client";
import { toSubmitError, type SubmitError } from "~/submit/errors";

const EMPTY_REPORT: Report = { what: "", where: "", when: "", who: "" };

/**
 * The submission page. Deliberately no <form>: a form could post (or, without an action, GET into
 * the URL) the typed text in plaintext. Fields stay disabled until the page's JavaScript runs,
 * and only the engine, after encrypting, sends anything.
 */
export default function Submit() {
  const lang = useLang();
  const t = useMessages();
  const hydrated = useHydrated();
  const rootFingerprint = normalizeFingerprint(useRouteLoaderData<typeof rootLoader>("root")?.rootFingerprint ?? "");
  const keyring = useKeyring(rootFingerprint);
  const submission = useSubmission();

  const [report, setReport] = useState<Report>(EMPTY_REPORT);
  const [files, setFiles] = useState<PickedFile[]>([]);
  const [fileNotice, setFileNotice] = useState<string | null>(null);
  const [invalid, setInvalid] = useState<SubmitError | null>(null);
  const nextKey = useRef(0);
  const progressRef = useRef<HTMLDivElement>(null);

  const { state } = submission;
  const busy = state.status === "keyring" || state.status === "running";
  const keyringRefused = keyring.state.status === "failed" && keyring.state.error.code === "keyring-invalid";
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

  function send() {
    const input = { report, files: files.map((f) => f.file), language: lang };
    try {
      checkInput(input);
    } catch (error) {
      setInvalid(toSubmitError(error));
      return;
    }
    setInvalid(null);
    submission.start(input, keyring.ensure);
    // On a phone the progress is below the fold; bring it into view.
    requestAnimationFrame(() => progressRef.current?.scrollIntoView({ block: "start" }));
  }

  const error = invalid ?? (state.status === "failed" ? state.error : keyring.state.status === "failed" ? keyring.state.error : null);

  if (state.status === "done") {
    return (
      <main className="page">
        <h1>{t.submit.title}</h1>
        <StatusLine status={{ text: t.status.done, tone: "good" }} />
        <ReceiptView t={t} lang={lang} receipt={state.receipt} />
        <CodenamePanel t={t} lang={lang} submissionId={state.receipt.submissionId} />
      </main>
    );
  }

  return (
    <main className="page">
      <h1>{t.submit.title}</h1>
      <p className="lead">{t.submit.intro}</p>
      <NoScriptNotice lang={lang} />
      {hydrated && keyring.state.status === "ready" ? <p className="hint keyring-ok">{t.submit.keyringReady}</p> : null}

      <fieldset className="submission" disabled={!hydrated || busy || keyringRefused}>
        <ReportFields t={t} report={report} onChange={setReport} />
        <FilePicker
          t={t}
          lang={lang}
          files={files}
          notice={fileNotice}
          onAdd={addFiles}
          onRemove={(key) => {
            setFileNotice(null);
            setFiles((current) => current.filter((f) => f.key !== key));
          }}
        />
        <div className="actions">
          <button type="button" className="button button--primary button--wide" data-testid="submit" onClick={send}>
            {state.status === "failed" ? t.submit.sendAgain : t.submit.send}
          </button>
        </div>
      </fieldset>

      <div ref={progressRef} className="status-area">
        <StatusLine status={status(t, { hydrated, keyring: keyring.state, submission: state, now })} />
        {error ? <ErrorNotice t={t} error={error} retryable={state.status === "failed" && error.code !== "keyring-invalid"} /> : null}
        {state.status === "running" ? <ProgressPanel t={t} lang={lang} progress={state.progress} /> : null}
      </div>
    </main>
  );
}
