import { formatBytes, percent } from "~/i18n/format";
import type { Lang } from "~/i18n/lang";
import type { Catalogue } from "~/i18n/messages";
import type { SubmissionProgress } from "~/submit/engine.client";

/** Progress in padded bytes (what is actually encrypted and sent); sizes shown are the true ones. */
export function ProgressPanel({ t, lang, progress }: { t: Catalogue; lang: Lang; progress: SubmissionProgress | null }) {
  const total = progress?.total ?? { bytes: 0, encrypted: 0, sent: 0 };
  const encrypted = percent(total.encrypted, total.bytes);
  const sent = percent(total.sent, total.bytes);
  const finished = progress?.phase === "done";
  return (
    <section className="card progress-panel" aria-labelledby="progress-title">
      <h2 id="progress-title">{t.progress.title}</h2>
      <p className="keep-open">{t.submit.keepOpen}</p>
      <div className="meter">
        <label htmlFor="progress-encrypted">
          {t.progress.total} · {t.progress.encrypted} {progress ? encrypted : 0} %
        </label>
        <progress id="progress-encrypted" max={100} value={progress ? encrypted : 0} />
      </div>
      <div className="meter">
        <label htmlFor="progress-sent">
          {t.progress.total} · {t.progress.sent} {progress ? (finished ? 100 : sent) : 0} %
        </label>
        <progress id="progress-sent" max={100} value={progress ? (finished ? 100 : sent) : 0} />
      </div>
      {progress && progress.files.length > 0 ? (
        <ul className="file-progress">
          {progress.files.map((file, index) => {
            const fileSent = percent(file.sent, file.bytes);
            return (
              <li key={index} className="file-progress__item">
                <span className="file-progress__name">{file.name}</span>
                <span className="file-progress__size">{formatBytes(file.size, lang)}</span>
                <progress max={100} value={fileSent} aria-label={file.name} />
                <span className="file-progress__text">{t.progress.filePercent(percent(file.encrypted, file.bytes), fileSent)}</span>
              </li>
            );
          })}
        </ul>
      ) : null}
    </section>
  );
}
