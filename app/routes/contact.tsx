import { useRouteLoaderData } from "@remix-run/react";
import { useState } from "react";
import { NoScriptNotice } from "~/components/NoScriptNotice";
import { ErrorNotice } from "~/components/submit/ErrorNotice";
import { FilePicker } from "~/components/submit/FilePicker";
import { ReceiptView } from "~/components/submit/ReceiptView";
import { SendingStatus } from "~/components/submit/SendingStatus";
import { StatusLine } from "~/components/submit/StatusLine";
import { useKeyring, type KeyringState } from "~/components/submit/use-keyring";
import { useSending } from "~/components/submit/use-sending";
import { useHydrated } from "~/components/use-hydrated";
import { linkFollowUp, openWithCodename, type CodenameStage, type OpenedThread } from "~/contact/codename-flow.client";
import { normalizeFingerprint } from "~/i18n/format";
import { withLang } from "~/i18n/lang";
import type { Catalogue } from "~/i18n/messages";
import { useLang, useMessages } from "~/i18n/use-lang";
import type { loader as rootLoader } from "~/root";
import type { VerifiedKeyring } from "~/keyring/verify";
import { toSubmitError, type SubmitError } from "~/submit/errors";

type Access =
  | { status: "enter" }
  | { status: "opening"; stage: CodenameStage; fraction: number; bits: number }
  | { status: "open"; thread: OpenedThread }
  | { status: "failed"; error: SubmitError };

/** Above this many bits the server is slowing guessers down; the witness is told why they wait. */
const HARD_WORK_BITS = 18;

/**
 * "I have a codename": the codename becomes keys in this tab, the replies are decrypted here, and
 * a follow-up is encrypted and sent exactly like a first submission. No <form>, nothing stored.
 */
export default function Contact() {
  const lang = useLang();
  const t = useMessages();
  const hydrated = useHydrated();
  const [codename, setCodename] = useState("");
  const [access, setAccess] = useState<Access>({ status: "enter" });
  const c = t.contact;
  // Loaded (and verified, with the submit page's pinning rules) as soon as the page runs: replies
  // are checked against its editor keys before they are shown, and follow-ups are encrypted to it.
  const rootFingerprint = normalizeFingerprint(useRouteLoaderData<typeof rootLoader>("root")?.rootFingerprint ?? "");
  const keyring = useKeyring(rootFingerprint);

  function open() {
    if (access.status === "opening" || codename.trim() === "") return;
    setAccess({ status: "opening", stage: "deriving", fraction: 0, bits: 0 });
    openWithCodename(codename, {
      keyring: keyring.ensure,
      onStage: (stage, detail) =>
        setAccess((current) => ({
          status: "opening",
          stage,
          fraction: detail?.fraction ?? 0,
          bits: detail?.bits ?? (current.status === "opening" ? current.bits : 0),
        })),
    }).then(
      (thread) => {
        // The words are no longer needed: only the derived verifier and the unlocked key stay.
        setCodename("");
        setAccess({ status: "open", thread });
      },
      (error: unknown) => setAccess({ status: "failed", error: toSubmitError(error) }),
    );
  }

  if (access.status === "open") return <OpenThread t={t} thread={access.thread} keyring={keyring} />;

  return (
    <main className="page">
      <h1>{c.title}</h1>
      <p className="lead">{c.intro}</p>
      <NoScriptNotice lang={lang} />
      <fieldset className="group" disabled={!hydrated || access.status === "opening"}>
        <div className="field">
          <label htmlFor="codename-input">{c.label}</label>
          <p className="hint" id="codename-input-hint">
            {c.hint}
          </p>
          <input
            id="codename-input"
            data-testid="codename-input"
            type="text"
            aria-describedby="codename-input-hint"
            // Nothing typed here may be remembered, corrected or sent anywhere by the browser itself.
            autoComplete="off"
            autoCorrect="off"
            autoCapitalize="none"
            spellCheck={false}
            value={codename}
            onChange={(event) => setCodename(event.currentTarget.value)}
            onKeyDown={(event) => {
              if (event.key === "Enter") open();
            }}
          />
        </div>
        <div className="actions">
          <button type="button" className="button button--primary button--wide" data-testid="codename-open" onClick={open}>
            {c.open}
          </button>
        </div>
      </fieldset>
      <div className="status-area">
        {access.status === "opening" ? <StatusLine status={{ text: openingText(t, access), tone: "info" }} /> : null}
        {access.status === "failed" ? <ErrorNotice t={t} error={access.error} retryable={false} /> : null}
      </div>
    </main>
  );
}

function openingText(t: Catalogue, access: Extract<Access, { status: "opening" }>): string {
  switch (access.stage) {
    case "deriving":
      return t.contact.deriving(Math.floor(access.fraction * 100));
    case "checking":
      return access.bits >= HARD_WORK_BITS ? t.contact.checkingHard : t.contact.checking;
    default:
      return t.contact.decrypting;
  }
}

function OpenThread({
  t,
  thread,
  keyring,
}: {
  t: Catalogue;
  thread: OpenedThread;
  keyring: { state: KeyringState; ensure: () => Promise<VerifiedKeyring> };
}) {
  const lang = useLang();
  const c = t.contact;
  const hydrated = useHydrated();
  const [message, setMessage] = useState("");
  const sending = useSending(t, keyring);
  const { state, busy } = sending;

  function send() {
    sending.send(
      { report: { what: message, where: "", when: "", who: "" }, language: lang, thread: thread.thread },
      { beforeSeal: (id, signal) => linkFollowUp(thread, id, signal) },
    );
  }

  function close() {
    // A fresh document: nothing of this thread (key, replies, verifier) survives in memory.
    window.location.replace(withLang("/", lang));
  }

  const sentBefore = thread.followUps.length;

  return (
    <main className="page">
      <h1>{c.title}</h1>
      <section className="card" aria-labelledby="replies-title" data-testid="replies">
        <h2 id="replies-title">{c.repliesTitle}</h2>
        {thread.replies.length === 0 ? <p data-testid="no-replies">{c.noReplies}</p> : null}
        {thread.replies.map((reply) => (
          <article key={reply.id} className="reply" data-testid="reply">
            <h3 className="reply__day">{c.replyFrom(reply.day)}</h3>
            {reply.text === null ? (
              <p className="notice notice--error">{c.unreadable}</p>
            ) : (
              <>
                {/* Outside reply-text: that element holds the editors' words and nothing else. */}
                {reply.signedBy ? (
                  <p className="reply__signature reply__signature--signed" data-testid="reply-signed" title={reply.signedBy.fingerprint}>
                    {c.replySigned(reply.signedBy.label)}
                  </p>
                ) : (
                  <p className="reply__signature reply__signature--unsigned" data-testid="reply-unsigned">
                    {c.replyUnsigned}
                  </p>
                )}
                <p className="reply__text" data-testid="reply-text">
                  {reply.text}
                </p>
              </>
            )}
          </article>
        ))}
        <p className="notice notice--warning">{c.unsignedWarning}</p>
        {sentBefore > 0 ? <p className="hint">{c.followUpsSent(sentBefore)}</p> : null}
      </section>

      {state.status === "done" ? (
        <>
          <StatusLine status={{ text: c.followUpDone, tone: "good" }} />
          <ReceiptView t={t} lang={lang} receipt={state.receipt} showAnother={false} />
        </>
      ) : (
        <section className="card" aria-labelledby="follow-up-title">
          <h2 id="follow-up-title">{c.followUpTitle}</h2>
          <p>{c.followUpIntro}</p>
          <fieldset className="submission" disabled={!hydrated || busy}>
            <div className="field">
              <label htmlFor="follow-up-message">{c.messageLabel}</label>
              <p className="hint" id="follow-up-message-hint">
                {c.messageHint}
              </p>
              <textarea
                id="follow-up-message"
                data-testid="follow-up-message"
                rows={6}
                maxLength={200_000}
                aria-describedby="follow-up-message-hint"
                autoComplete="off"
                autoCorrect="off"
                spellCheck={false}
                value={message}
                onChange={(event) => setMessage(event.currentTarget.value)}
              />
            </div>
            <FilePicker t={t} lang={lang} files={sending.files} notice={sending.fileNotice} onAdd={sending.addFiles} onRemove={sending.removeFile} />
            <div className="actions">
              <button type="button" className="button button--primary button--wide" data-testid="follow-up-send" onClick={send}>
                {state.status === "failed" ? t.submit.sendAgain : c.sendFollowUp}
              </button>
            </div>
          </fieldset>
          <SendingStatus t={t} lang={lang} hydrated={hydrated} keyring={keyring.state} state={state} now={sending.now} error={sending.error} />
        </section>
      )}

      <p>
        <button type="button" className="button button--secondary" data-testid="contact-close" onClick={close}>
          {c.close}
        </button>
      </p>
      <p className="hint">{c.closeHint}</p>
    </main>
  );
}
