/**
 * Writing to the witness from the thread page. Deliberately no <form> and no `name` on the text
 * area: a form could post the typed text in plaintext (or, without JavaScript, GET it into the
 * URL). The text only leaves the page encrypted, by reply-upload.client.ts, once the page's code
 * runs; without it the button stays disabled.
 */
import { useRevalidator } from "@remix-run/react";
import { useId, useRef, useState, type ChangeEvent } from "react";
import { useHydrated } from "~/components/use-hydrated";
import { MAX_REPLY_TEXT } from "~/contact/format";
import type { SubmissionId } from "~/envelope/format";
import type { KeyringBundle } from "~/keyring/document";
import { describeFailure, encryptReplyInBrowser, readReplyFile, sendReply, type SendOutcome } from "./reply-upload.client";

type Status = { kind: "idle" } | { kind: "busy"; what: string } | { kind: "sent"; message: string } | { kind: "failed"; message: string };

function sentMessage(outcome: SendOutcome, what: string): string {
  return outcome === "created" ? `Reply sent: ${what}` : `Reply sent: the portal already had this very reply (${what}), nothing was stored twice.`;
}

export function ReplyComposer(props: {
  thread: SubmissionId;
  witnessPublicKey: string;
  keyring: KeyringBundle;
  rootFingerprint: string;
  csrf: string;
}) {
  const hydrated = useHydrated();
  const revalidator = useRevalidator();
  const [text, setText] = useState("");
  const [status, setStatus] = useState<Status>({ kind: "idle" });
  const fileInput = useRef<HTMLInputElement>(null);
  const textId = useId();
  const fileId = useId();
  const busy = status.kind === "busy";
  const tooLong = text.length > MAX_REPLY_TEXT;

  async function run(what: string, produce: () => Promise<Uint8Array>, after: () => void) {
    setStatus({ kind: "busy", what });
    try {
      const body = await produce();
      const outcome = await sendReply({ thread: props.thread, body, csrf: props.csrf });
      after();
      setStatus({ kind: "sent", message: sentMessage(outcome, "it is listed under Replies") });
      // Reload the page's data so the new reply appears in the table.
      revalidator.revalidate();
    } catch (error) {
      setStatus({ kind: "failed", message: describeFailure(error) });
    }
  }

  function sendTyped() {
    if (text.trim() === "" || tooLong) return;
    void run(
      "Encrypting and sending…",
      () => encryptReplyInBrowser({ thread: props.thread, text, witnessPublicKey: props.witnessPublicKey, keyring: props.keyring, rootFingerprint: props.rootFingerprint }),
      () => setText(""),
    );
  }

  function uploadFile(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    if (!file) return;
    void run(
      "Sending the reply file…",
      () => readReplyFile(file),
      () => undefined,
    ).finally(() => {
      // Let the same file be chosen again (e.g. after a dropped connection).
      if (fileInput.current) fileInput.current.value = "";
    });
  }

  return (
    <section className="reply-composer" aria-labelledby={`${textId}-title`}>
      <h2 id={`${textId}-title`}>Reply to the witness</h2>
      <p className="hint">
        Your reply is encrypted in this browser to the witness and to every active editor key; the server stores only ciphertext. The witness
        sees it when they log in with their codename. Browser replies are not signed (this online browser holds no editor signing key): the
        witness's page marks them "Not signed", as it would a reply a seized server wrote. Write nothing the witness should not already trust
        the organisation with, or sign the reply offline (below).
      </p>
      <label htmlFor={textId} className="reply-composer__label">
        Your reply
      </label>
      <textarea
        id={textId}
        className="reply-composer__text"
        rows={8}
        value={text}
        disabled={!hydrated || busy}
        onChange={(e) => setText(e.target.value)}
        aria-describedby={`${textId}-count`}
        data-testid="reply-text"
      />
      <p id={`${textId}-count`} className={`hint${tooLong ? " reply-composer__too-long" : ""}`}>
        {text.length} / {MAX_REPLY_TEXT} characters
      </p>
      <div className="inbox-actions">
        <button
          type="button"
          className="button button--primary"
          disabled={!hydrated || busy || text.trim() === "" || tooLong}
          onClick={sendTyped}
          data-testid="reply-send"
        >
          Encrypt and send
        </button>
        {!hydrated ? <span className="hint">Waiting for the page's code: replies are encrypted by it, never sent as typed.</span> : null}
      </div>

      <h3>Upload a reply prepared offline (testigo reply)</h3>
      <p className="hint">
        Made on your offline machine with <code>testigo reply --bundle THREAD.tar --keys KEYS_DIR</code> from this thread's bundle. The file
        is sent as it is; the portal accepts it only if it is encrypted to this witness and every active editor key.
      </p>
      <p className="hint" data-testid="reply-sign-hint">
        Recommended: add <code>--sign-key YOUR-SECRET-KEY.asc</code> (your active editor key) so the reply is signed. The witness's page checks
        the signature against the keyring it verified and shows the reply as signed by the editors' key, so the witness can tell it is genuine
        and not written by whoever controls this server. The server cannot see or check the signature: it is inside the encryption.
      </p>
      <label htmlFor={fileId} className="reply-composer__label">
        Reply file (<code>reply-{props.thread.slice(0, 8)}.pgp</code>)
      </label>
      <input
        id={fileId}
        ref={fileInput}
        type="file"
        accept=".pgp,application/pgp-encrypted,application/octet-stream"
        disabled={!hydrated || busy}
        onChange={uploadFile}
        data-testid="reply-file"
      />

      <div aria-live="polite">
        {status.kind === "busy" ? (
          <p className="notice" role="status">
            {status.what}
          </p>
        ) : null}
        {status.kind === "sent" ? (
          <p className="notice notice--good" role="status" data-testid="reply-status">
            {status.message}
          </p>
        ) : null}
        {status.kind === "failed" ? (
          <p className="notice notice--error" role="alert" data-testid="reply-error">
            {status.message}
          </p>
        ) : null}
      </div>
    </section>
  );
}
