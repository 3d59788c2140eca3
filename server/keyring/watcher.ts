/**
 * Picks up a newly signed keyring without a restart. Two triggers, because neither is enough
 * alone: fs.watch on the keys directory reacts within moments where the OS reports changes, and
 * a periodic check covers file systems where watches miss events (network mounts, some container
 * bind mounts, a directory swapped by rename). Events are debounced: `testigo keys sign` and a
 * copy of a keys/ directory write several files, and verifying a half-written set only fails.
 * Reloads run one at a time; a trigger during a reload schedules one more afterwards.
 */
import { statSync, watch, type FSWatcher } from "node:fs";
import type { KeyringStore, ReloadOutcome } from "./keyring-store";

export interface KeyringLog {
  info(line: string): void;
  error(line: string): void;
}

export interface KeyringWatcher {
  /** Runs a check now (after any running one) and resolves with its outcome. */
  check(): Promise<ReloadOutcome>;
  close(): void;
}

export const defaultKeyringLog: KeyringLog = {
  info: (line) => process.stdout.write(`${line}\n`),
  error: (line) => console.error(line),
};

export function watchKeyring(
  store: KeyringStore,
  options: { intervalMs: number; debounceMs?: number; log?: KeyringLog },
): KeyringWatcher {
  const log = options.log ?? defaultKeyringLog;
  const debounceMs = options.debounceMs ?? 500;
  let debounce: NodeJS.Timeout | undefined;
  let chain: Promise<ReloadOutcome> = Promise.resolve({ kind: "unchanged" });
  // The digest of the last refused bundle: the periodic check would otherwise log the same
  // refusal every interval for as long as a bad keyring sits in the directory.
  let lastRefused: string | null = null;
  let closed = false;

  const report = (outcome: ReloadOutcome): void => {
    if (outcome.kind === "unchanged") {
      // Back to the serving keyring: the same bad one appearing again is news again.
      lastRefused = null;
    } else if (outcome.kind === "loaded") {
      lastRefused = null;
      log.info(`testigo: keyring version ${outcome.version} loaded (replacing version ${outcome.previous})`);
      for (const warning of outcome.warnings) log.info(`testigo: keyring warning: ${warning}`);
    } else if (outcome.kind === "refused") {
      const key = outcome.digest ?? outcome.reason;
      if (key === lastRefused) return;
      lastRefused = key;
      log.error(`testigo: keyring in ${store.directory} not loaded: ${outcome.reason}; still serving version ${store.version}`);
    }
  };

  const check = (): Promise<ReloadOutcome> => {
    const run = async (): Promise<ReloadOutcome> => {
      const outcome = await store.reload();
      report(outcome);
      return outcome;
    };
    chain = chain.then(run, run);
    return chain;
  };

  const trigger = (): void => {
    if (closed) return;
    clearTimeout(debounce);
    debounce = setTimeout(() => {
      check().catch((error: unknown) => log.error(`testigo: keyring check failed: ${error instanceof Error ? error.message : String(error)}`));
    }, debounceMs);
    debounce.unref();
  };

  let watcher: FSWatcher | null = null;
  // The inode being watched: a watch follows the directory, not its path, so after a deploy that
  // renames a fresh keys directory into place it would watch the old, unlinked one forever.
  let watchedIno: number | null = null;
  let watchFailureLogged = false;
  const arm = (): void => {
    let ino: number;
    try {
      ino = statSync(store.directory).ino;
    } catch {
      return; // Gone for the moment (mid-swap); the next periodic check tries again.
    }
    if (watcher && ino === watchedIno) return;
    watcher?.close();
    watcher = null;
    try {
      const next = watch(store.directory, { persistent: false }, trigger);
      next.on("error", (error) => {
        log.error(`testigo: watching ${store.directory} failed (${error.message}); relying on the periodic keyring check`);
        next.close();
        if (watcher === next) watcher = null;
      });
      watcher = next;
      watchedIno = ino;
    } catch (error) {
      if (!watchFailureLogged) {
        watchFailureLogged = true;
        log.error(
          `testigo: cannot watch ${store.directory} (${error instanceof Error ? error.message : String(error)}); relying on the periodic keyring check`,
        );
      }
    }
  };
  arm();
  const interval = setInterval(() => {
    arm();
    trigger();
  }, options.intervalMs);
  interval.unref();
  trigger();

  return {
    check,
    close() {
      closed = true;
      clearTimeout(debounce);
      clearInterval(interval);
      watcher?.close();
    },
  };
}
