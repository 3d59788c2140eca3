import type { ReactNode } from "react";
import { formatBytes } from "~/i18n/format";

/** What the server knows of one submission, as the thread page and the delete page show it. */
export interface SubmissionFactsEntry {
  id: string;
  day: string;
  files: number;
  paddedBytes: number;
  state: "new" | "downloaded";
}

export function SubmissionFacts({ entry, className, children }: { entry: SubmissionFactsEntry; className?: string; children?: ReactNode }) {
  return (
    <dl className={className} data-submission={entry.id}>
      <dt>Day</dt>
      <dd>{entry.day}</dd>
      <dt>Reference</dt>
      <dd>
        <code>{entry.id}</code>
      </dd>
      <dt>Files</dt>
      <dd>{entry.files}</dd>
      <dt>Size (padded)</dt>
      <dd>{formatBytes(entry.paddedBytes, "en")}</dd>
      <dt>State</dt>
      <dd>
        <span className={`state state--${entry.state}`} data-testid="state">
          {entry.state}
        </span>
      </dd>
      {children}
    </dl>
  );
}
