import { Link } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { formatBytes, formatInteger } from "~/i18n/format";
import { withLang, type Lang } from "~/i18n/lang";
import type { Catalogue } from "~/i18n/messages";
import type { Receipt } from "~/submit/engine.client";

/**
 * Shown in place of the form; nothing goes into the URL or the history. The submission id is not
 * shown: it would only tie this screen (or a photo of it) to the stored ciphertext.
 */
export function ReceiptView({ t, lang, receipt, showAnother = true }: { t: Catalogue; lang: Lang; receipt: Receipt; showAnother?: boolean }) {
  const r = t.receipt;
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, []);
  return (
    <section className="card card--good receipt" data-testid="receipt" aria-labelledby="receipt-title">
      <h2 id="receipt-title" ref={heading} tabIndex={-1}>
        {r.title}
      </h2>
      <p>{r.body}</p>
      {receipt.files.length === 0 ? (
        <p>{r.onlyText}</p>
      ) : (
        <>
          <h3>{r.filesTitle}</h3>
          <ul className="receipt__files">
            {receipt.files.map((file, index) => (
              <li key={index} className="receipt__file">
                <dl>
                  <dt>{r.name}</dt>
                  <dd className="receipt__name">{file.name}</dd>
                  <dt>{r.size}</dt>
                  <dd>
                    {formatBytes(file.size, lang)}
                    {/* The exact count is part of what the witness can later prove. */}
                    {file.size >= 1_000 ? ` (${t.bytes.exact(formatInteger(file.size, lang))})` : null}
                  </dd>
                  <dt>{r.sha256}</dt>
                  <dd>
                    <code className="hash" data-testid="receipt-sha256" translate="no">
                      {file.sha256}
                    </code>
                  </dd>
                </dl>
              </li>
            ))}
          </ul>
          <p className="hint">{r.hashExplain}</p>
          <p className="hint">{r.hashCaution}</p>
        </>
      )}
      <h3>{r.noTraceTitle}</h3>
      <ul>
        {r.noTrace.map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
      {showAnother ? (
        <p>
          <Link className="button button--secondary" to={withLang("/submit", lang)} reloadDocument>
            {r.another}
          </Link>
        </p>
      ) : null}
    </section>
  );
}
