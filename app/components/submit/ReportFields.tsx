import type { Report } from "~/envelope/format";
import type { Catalogue } from "~/i18n/messages";

type Field = keyof Report;

/** Limits from the manifest schema: longer text would make the editors' tools refuse it. */
const FIELDS: { key: Field; rows: number; maxLength: number }[] = [
  { key: "what", rows: 8, maxLength: 200_000 },
  { key: "where", rows: 2, maxLength: 10_000 },
  { key: "when", rows: 2, maxLength: 10_000 },
  { key: "who", rows: 3, maxLength: 10_000 },
];

function labels(t: Catalogue, key: Field): { label: string; hint: string } {
  const s = t.submit;
  switch (key) {
    case "what":
      return { label: s.whatLabel, hint: s.whatHint };
    case "where":
      return { label: s.whereLabel, hint: s.whereHint };
    case "when":
      return { label: s.whenLabel, hint: s.whenHint };
    case "who":
      return { label: s.whoLabel, hint: s.whoHint };
  }
}

export function ReportFields({ t, report, onChange }: { t: Catalogue; report: Report; onChange: (report: Report) => void }) {
  return (
    <fieldset className="group">
      <legend>{t.submit.reportLegend}</legend>
      {FIELDS.map(({ key, rows, maxLength }) => {
        const { label, hint } = labels(t, key);
        return (
          <div className="field" key={key}>
            <label htmlFor={`report-${key}`}>{label}</label>
            <p className="hint" id={`report-${key}-hint`}>
              {hint}
            </p>
            <textarea
              id={`report-${key}`}
              data-testid={`report-${key}`}
              rows={rows}
              maxLength={maxLength}
              aria-describedby={`report-${key}-hint`}
              // Nothing typed here may be remembered or sent anywhere by the browser itself.
              autoComplete="off"
              autoCorrect="off"
              spellCheck={false}
              value={report[key]}
              onChange={(event) => onChange({ ...report, [key]: event.currentTarget.value })}
            />
          </div>
        );
      })}
    </fieldset>
  );
}
