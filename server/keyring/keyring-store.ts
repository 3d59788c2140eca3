/**
 * Holds the verified keyrings the server checks uploads against: the current one (served at
 * /api/v1/keyring, the one new submissions must be encrypted to) and, in memory only, the versions
 * it replaced, each for a grace period after it was replaced, so a submission started on an older
 * version can finish against it. `reload()` re-reads the directory and swaps a newer verified
 * keyring in; anything else (unreadable, unverifiable, not newer, another root) leaves the current
 * one serving. The watcher (./watcher.ts) decides when to call it.
 *
 * Trade-off: the replaced versions live only in memory, so a restart ends the grace for all of them;
 * submissions begun on an older version must then be started again by the browser.
 */
import { createHash } from "node:crypto";
import { verifyKeyring, type VerifiedKeyring } from "../../app/keyring/verify";
import type { KeyringBundle } from "../../app/keyring/document";
import { readKeyringBundle } from "./files";

export class KeyringError extends Error {
  override name = "KeyringError";
}

interface Held {
  bundle: KeyringBundle;
  keyring: VerifiedKeyring;
  /** Hash of the bundle's exact contents: lets a periodic check skip verifying an unchanged directory. */
  digest: string;
}

interface Replaced extends Held {
  replacedAt: number;
}

export type ReloadOutcome =
  | { kind: "loaded"; version: number; previous: number; warnings: string[] }
  | { kind: "unchanged" }
  | { kind: "refused"; reason: string; digest: string | null };

/** Which keyring a part of a given submission is checked against. */
export interface KeyringChoice {
  keyring: VerifiedKeyring;
  version: number;
  /** Set when the submission started on a version whose grace period is over (or was lost to a restart). */
  graceEnded: { startedOn: number } | null;
}

export interface KeyringStoreOptions {
  /** How long a replaced version still accepts parts of submissions begun on it; 0: not at all. */
  graceMs?: number;
  /** Injectable clock for tests of the grace arithmetic. */
  now?: () => number;
}

function digestOf(bundle: KeyringBundle): string {
  const hash = createHash("sha256");
  // Length-prefixed so no two different bundles hash the same concatenation.
  const field = (s: string) => hash.update(`${Buffer.byteLength(s)}:`).update(s);
  field(bundle.document);
  field(bundle.signature);
  field(bundle.rootKey);
  for (const fpr of Object.keys(bundle.keys).sort()) {
    field(fpr);
    field(bundle.keys[fpr] ?? "");
  }
  return hash.digest("hex");
}

export class KeyringStore {
  private readonly replaced = new Map<number, Replaced>();
  private readonly graceMs: number;
  private readonly now: () => number;

  private constructor(
    private readonly dir: string,
    private readonly trustedRoot: string | undefined,
    private state: Held,
    options: KeyringStoreOptions,
  ) {
    this.graceMs = options.graceMs ?? 24 * 60 * 60 * 1000;
    this.now = options.now ?? Date.now;
  }

  static async load(dir: string, trustedRoot: string | undefined, options: KeyringStoreOptions = {}): Promise<KeyringStore> {
    let bundle: KeyringBundle;
    try {
      bundle = await readKeyringBundle(dir);
    } catch (error) {
      throw new KeyringError(`cannot read the keyring in ${dir}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const result = await verifyKeyring(bundle, { trustedRootFingerprint: trustedRoot });
    if (!result.ok) throw new KeyringError(`keyring in ${dir} refused: ${result.reason}`);
    return new KeyringStore(dir, trustedRoot, { bundle, keyring: result.keyring, digest: digestOf(bundle) }, options);
  }

  /**
   * Re-reads the directory. Never throws for a bad keyring: the current one keeps serving and the
   * outcome says why, because a half-written or tampered directory must not take the portal down.
   */
  async reload(): Promise<ReloadOutcome> {
    let bundle: KeyringBundle;
    try {
      bundle = await readKeyringBundle(this.dir);
    } catch (error) {
      return { kind: "refused", reason: `cannot read the keyring in ${this.dir}: ${error instanceof Error ? error.message : String(error)}`, digest: null };
    }
    const digest = digestOf(bundle);
    if (digest === this.state.digest) return { kind: "unchanged" };
    const refuse = (reason: string): ReloadOutcome => ({ kind: "refused", reason, digest });
    // Without a configured pin, the root the server started with is the pin: swapping the root
    // key is an operator decision that takes a restart, never something a write to keys/ can do.
    const root = this.trustedRoot ?? this.state.keyring.document.root;
    const result = await verifyKeyring(bundle, { trustedRootFingerprint: root });
    if (!result.ok) return refuse(result.reason);
    const next = result.keyring.document;
    const current = this.state.keyring.document;
    if (next.version <= current.version) {
      return refuse(
        `version ${next.version} is not newer than the current version ${current.version} (a rollback or a re-signed document without a version bump)`,
      );
    }
    // A demo keyring never replaces a real one (nor the reverse): production refuses demo keys.
    if (next.demo !== current.demo) return refuse(next.demo ? "it is a demo keyring and the portal runs on a real one" : "the portal runs in demo mode");
    this.replaced.set(current.version, { ...this.state, replacedAt: this.now() });
    this.state = { bundle, keyring: result.keyring, digest };
    this.prune();
    return { kind: "loaded", version: next.version, previous: current.version, warnings: result.keyring.warnings };
  }

  /**
   * The keyring a submission's headers and manifest must be encrypted to: the version recorded at
   * its first part while that version is current or within its grace period, else the current one.
   * `startedOn` is null for a submission with no stored part yet.
   */
  forSubmission(startedOn: number | null): KeyringChoice {
    const version = this.version;
    if (startedOn === null || startedOn === version) return { keyring: this.state.keyring, version, graceEnded: null };
    this.prune();
    const old = this.replaced.get(startedOn);
    if (old) return { keyring: old.keyring, version: startedOn, graceEnded: null };
    return { keyring: this.state.keyring, version, graceEnded: { startedOn } };
  }

  /** Versions still held for their grace period (for logs and tests). */
  get graceVersions(): number[] {
    this.prune();
    return [...this.replaced.keys()].sort((a, b) => a - b);
  }

  private prune(): void {
    const now = this.now();
    for (const [version, held] of this.replaced) {
      // `>=` so that a grace of 0 means none at all, even within the same millisecond.
      if (now - held.replacedAt >= this.graceMs) this.replaced.delete(version);
    }
  }

  get directory(): string {
    return this.dir;
  }

  get bundle(): KeyringBundle {
    return this.state.bundle;
  }

  get keyring(): VerifiedKeyring {
    return this.state.keyring;
  }

  get version(): number {
    return this.state.keyring.document.version;
  }

  get rootFingerprint(): string {
    return this.state.keyring.document.root;
  }
}
