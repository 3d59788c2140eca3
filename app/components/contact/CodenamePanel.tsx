import { useEffect, useRef, useState } from "react";
import { codenameWords, normalizeCodename, unknownWords } from "~/codename/codename";
import { loadWordlist } from "~/codename/wordlists";
import { createCodename, type CodenameStage } from "~/contact/codename-flow.client";
import type { SubmissionId } from "~/envelope/format";
import type { Lang } from "~/i18n/lang";
import type { Catalogue } from "~/i18n/messages";
import { toSubmitError, type SubmitError } from "~/submit/errors";
import { ErrorNotice } from "../submit/ErrorNotice";

type State =
  | { status: "offer" }
  | { status: "working"; stage: CodenameStage; fraction: number }
  | { status: "shown"; codename: string }
  | { status: "failed"; error: SubmitError };

/**
 * Offered under the receipt: a codename for two-way contact. Everything happens in this tab; the
 * codename is shown once and forgotten when the tab closes.
 */
export function CodenamePanel({ t, lang, submissionId }: { t: Catalogue; lang: Lang; submissionId: SubmissionId }) {
  const c = t.codename;
  const [state, setState] = useState<State>({ status: "offer" });
  const running = useRef(false);

  function create() {
    if (running.current) return;
    running.current = true;
    setState({ status: "working", stage: "words", fraction: 0 });
    createCodename({
      submissionId,
      lang,
      onStage: (stage, detail) => setState({ status: "working", stage, fraction: detail?.fraction ?? 0 }),
    }).then(
      (codename) => setState({ status: "shown", codename }),
      (error: unknown) => setState({ status: "failed", error: toSubmitError(error) }),
    ).finally(() => {
      running.current = false;
    });
  }

  return (
    <section className="card codename" data-testid="codename-panel" aria-labelledby="codename-title">
      <h2 id="codename-title">{c.title}</h2>
      {state.status === "shown" ? (
        <ShownCodename t={t} lang={lang} codename={state.codename} />
      ) : (
        <>
          <p>{c.offer}</p>
          <p className="notice notice--warning">{c.offerRisk}</p>
          {state.status === "working" ? (
            <p className="status" role="status" data-testid="codename-status">
              {stageText(t, state.stage, state.fraction)}
            </p>
          ) : null}
          {state.status === "failed" ? (
            <>
              <p className="notice notice--error">{c.failed}</p>
              <ErrorNotice t={t} error={state.error} retryable={false} />
            </>
          ) : null}
          <button type="button" className="button button--primary" data-testid="codename-create" disabled={state.status === "working"} onClick={create}>
            {c.create}
          </button>
        </>
      )}
    </section>
  );
}

function stageText(t: Catalogue, stage: CodenameStage, fraction: number): string {
  switch (stage) {
    case "deriving":
      return t.codename.deriving(Math.floor(fraction * 100));
    case "key":
      return t.codename.key;
    case "registering":
      return t.codename.registering;
    default:
      return t.codename.working;
  }
}

function ShownCodename({ t, lang, codename }: { t: Catalogue; lang: Lang; codename: string }) {
  const c = t.codename;
  const [typed, setTyped] = useState("");
  const [list, setList] = useState<readonly string[] | null>(null);
  const shown = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    shown.current?.focus();
    let live = true;
    void loadWordlist(lang).then((words) => {
      if (live) setList(words);
    });
    return () => {
      live = false;
    };
  }, [lang]);

  const attempt = normalizeCodename(typed);
  const matches = attempt !== "" && attempt === normalizeCodename(codename);
  const unknown = list && attempt !== "" && !matches ? unknownWords(typed, list) : [];
  const complete = codenameWords(typed).length >= codenameWords(codename).length;

  return (
    <>
      <p className="codename__label">{c.yourCodename}</p>
      <p className="codename__words" data-testid="codename" translate="no" tabIndex={-1} ref={shown}>
        {codename}
      </p>
      <h3>{c.adviceTitle}</h3>
      <ul>
        {c.advice.map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
      <div className="field">
        <label htmlFor="codename-practice">{c.practiceLabel}</label>
        <p className="hint" id="codename-practice-hint">
          {c.practiceHint}
        </p>
        <input
          id="codename-practice"
          data-testid="codename-practice"
          type="text"
          aria-describedby="codename-practice-hint"
          autoComplete="off"
          autoCorrect="off"
          autoCapitalize="none"
          spellCheck={false}
          value={typed}
          onChange={(event) => setTyped(event.currentTarget.value)}
        />
        {matches ? (
          <p className="notice notice--good" role="status" data-testid="codename-practice-result">
            {c.practiceMatch}
          </p>
        ) : unknown.length > 0 ? (
          <p className="notice notice--warning" role="status" data-testid="codename-practice-result">
            {c.practiceUnknown(unknown.join(", "))}
          </p>
        ) : complete ? (
          <p className="notice notice--warning" role="status" data-testid="codename-practice-result">
            {c.practiceMismatch}
          </p>
        ) : null}
      </div>
      <p className="hint">{c.where}</p>
    </>
  );
}
