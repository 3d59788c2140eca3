import { formatBytes } from "~/i18n/format";
import type { Lang } from "~/i18n/lang";
import type { Catalogue } from "~/i18n/messages";

export interface PickedFile {
  /** Stable key for the list: two files may share a name. */
  key: number;
  file: File;
}

export function FilePicker(props: {
  t: Catalogue;
  lang: Lang;
  files: readonly PickedFile[];
  notice: string | null;
  onAdd: (files: File[]) => void;
  onRemove: (key: number) => void;
}) {
  const { t, lang, files } = props;
  const total = files.reduce((sum, f) => sum + f.file.size, 0);
  return (
    <fieldset className="group">
      <legend>{t.submit.filesLegend}</legend>
      <p className="hint" id="file-input-hint">
        {t.submit.filesHint}
      </p>
      <input
        id="file-input"
        data-testid="file-input"
        className="visually-hidden"
        type="file"
        multiple
        aria-describedby="file-input-hint"
        onChange={(event) => {
          const picked = event.currentTarget.files;
          if (picked && picked.length > 0) props.onAdd(Array.from(picked));
          // Cleared, so choosing the same file again (after removing it) is noticed.
          event.currentTarget.value = "";
        }}
      />
      <label htmlFor="file-input" className="button button--secondary file-button">
        {t.submit.addFiles}
      </label>
      {props.notice ? (
        <p className="notice notice--warning" role="alert">
          {props.notice}
        </p>
      ) : null}
      {files.length === 0 ? (
        <p className="hint">{t.submit.noFiles}</p>
      ) : (
        <>
          <ul className="file-list">
            {files.map(({ key, file }) => (
              <li className="file-list__item" key={key}>
                <span className="file-list__name">{file.name}</span>
                <span className="file-list__size">{formatBytes(file.size, lang)}</span>
                <button
                  type="button"
                  className="button button--small"
                  aria-label={t.submit.removeFile(file.name)}
                  onClick={() => props.onRemove(key)}
                >
                  {t.submit.remove}
                </button>
              </li>
            ))}
          </ul>
          <p className="hint">{t.submit.filesSummary(files.length, formatBytes(total, lang))}</p>
        </>
      )}
    </fieldset>
  );
}
