import { useRouteLoaderData } from "@remix-run/react";
import { useRef, useState } from "react";
import { NoScriptNotice } from "~/components/NoScriptNotice";
import { CodenamePanel } from "~/components/contact/CodenamePanel";
import { FilePicker } from "~/components/submit/FilePicker";
import { ReceiptView } from "~/components/submit/ReceiptView";
import { ReportFields } from "~/components/submit/ReportFields";
import { SendingStatus } from "~/components/submit/SendingStatus";
import { StatusLine } from "~/components/submit/StatusLine";
import { useKeyring } from "~/components/submit/use-keyring";
import { useSending } from "~/components/submit/use-sending";
import { useHydrated } from "~/components/use-hydrated";
import type { Report } from "~/envelope/format";
import { normalizeFingerprint } from "~/i18n/format";
import { useLang, useMessages } from "~/i18n/use-lang";
import type { loader as rootLoader } from "~/root";

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
  const sending = useSending(t, keyring);
  const { state, busy } = sending;

  const [report, setReport] = useState<Report>(EMPTY_REPORT);
  const progressRef = useRef<HTMLDivElement>(null);
  const keyringRefused = keyring.state.status === "failed" && keyring.state.error.code === "keyring-invalid";

  function send() {
    if (!sending.send({ report, language: lang })) return;
    // On a phone the progress is below the fold; bring it into view.
    requestAnimationFrame(() => progressRef.current?.scrollIntoView({ block: "start" }));
  }

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
        <FilePicker t={t} lang={lang} files={sending.files} notice={sending.fileNotice} onAdd={sending.addFiles} onRemove={sending.removeFile} />
        <div className="actions">
          <button type="button" className="button button--primary button--wide" data-testid="submit" onClick={send}>
            {state.status === "failed" ? t.submit.sendAgain : t.submit.send}
          </button>
        </div>
      </fieldset>

      <SendingStatus t={t} lang={lang} hydrated={hydrated} keyring={keyring.state} state={state} now={sending.now} error={sending.error} areaRef={progressRef} />
    </main>
  );
}
