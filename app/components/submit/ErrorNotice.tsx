import type { Catalogue } from "~/i18n/messages";
import type { SubmitError } from "~/submit/errors";

/** The error in the witness's words; the technical detail (often the server's, in English) below. */
export function ErrorNotice({ t, error, retryable }: { t: Catalogue; error: SubmitError; retryable: boolean }) {
  return (
    <div className="notice notice--error" role="alert" data-testid="error">
      <p className="notice__title">{t.errors[error.code]}</p>
      {error.detail ? (
        <p className="notice__detail">
          {t.errorDetail}: {error.detail}
        </p>
      ) : null}
      {retryable ? <p>{t.tryAgain}</p> : null}
    </div>
  );
}
