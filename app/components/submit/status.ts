import { percent } from "~/i18n/format";
import type { Catalogue } from "~/i18n/messages";
import type { ConnectionState } from "~/submit/retry.client";
import type { KeyringState } from "./use-keyring";
import type { SubmissionState } from "./use-submission";

export type StatusTone = "info" | "warn" | "error" | "good";

export interface Status {
  text: string;
  tone: StatusTone;
}

function connectionStatus(t: Catalogue, connection: ConnectionState, retryAt: number | null, now: number): Status | null {
  if (connection === "offline") return { text: t.status.offline, tone: "warn" };
  if (connection !== "retrying") return null;
  const seconds = retryAt === null ? 0 : Math.ceil((retryAt - now) / 1_000);
  return { text: seconds > 0 ? t.status.retrying(seconds) : t.status.retryingNow, tone: "warn" };
}

/** The one status line: what is happening now, in the witness's language. */
export function status(
  t: Catalogue,
  args: { hydrated: boolean; keyring: KeyringState; submission: SubmissionState; now: number },
): Status {
  const { keyring, submission, now } = args;
  if (!args.hydrated) return { text: t.submit.loading, tone: "info" };
  switch (submission.status) {
    case "done":
      return { text: t.status.done, tone: "good" };
    case "failed":
      return { text: t.status.failed, tone: "error" };
    case "running": {
      const progress = submission.progress;
      if (!progress) return { text: t.status.preparing, tone: "info" };
      const connection = connectionStatus(t, progress.connection, progress.retryAt, now);
      if (connection) return connection;
      if (progress.phase === "sending") return { text: t.status.sending(percent(progress.total.sent, progress.total.bytes)), tone: "info" };
      return { text: progress.phase === "done" ? t.status.done : t.status.finishing, tone: "info" };
    }
    case "keyring":
    case "idle": {
      if (keyring.status === "failed") return { text: t.status.blocked, tone: "error" };
      if (keyring.status === "loading") {
        return connectionStatus(t, keyring.connection, null, now) ?? { text: t.submit.keyringLoading, tone: "info" };
      }
      return { text: submission.status === "idle" ? t.status.idle : t.status.preparing, tone: "info" };
    }
  }
}
