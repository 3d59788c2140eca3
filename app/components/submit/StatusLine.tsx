import type { Status } from "./status";

export function StatusLine({ status }: { status: Status }) {
  return (
    <p className={`status status--${status.tone}`} data-testid="status" role="status">
      {status.text}
    </p>
  );
}
