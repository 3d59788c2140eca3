/**
 * Holds the verified keyring the server checks uploads against. Loaded at start; `reload()` picks
 * up a newly signed keyring without a restart (the security-staff issue builds the watcher).
 */
import { verifyKeyring, type VerifiedKeyring } from "../../app/keyring/verify";
import type { KeyringBundle } from "../../app/keyring/document";
import { readKeyringBundle } from "./files";

export class KeyringError extends Error {
  override name = "KeyringError";
}

export class KeyringStore {
  private constructor(
    private readonly dir: string,
    private readonly trustedRoot: string | undefined,
    private state: { bundle: KeyringBundle; keyring: VerifiedKeyring },
  ) {}

  static async load(dir: string, trustedRoot: string | undefined): Promise<KeyringStore> {
    return new KeyringStore(dir, trustedRoot, await KeyringStore.read(dir, trustedRoot));
  }

  private static async read(dir: string, trustedRoot: string | undefined) {
    let bundle: KeyringBundle;
    try {
      bundle = await readKeyringBundle(dir);
    } catch (error) {
      throw new KeyringError(`cannot read the keyring in ${dir}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const result = await verifyKeyring(bundle, { trustedRootFingerprint: trustedRoot });
    if (!result.ok) throw new KeyringError(`keyring in ${dir} refused: ${result.reason}`);
    return { bundle, keyring: result.keyring };
  }

  async reload(): Promise<void> {
    this.state = await KeyringStore.read(this.dir, this.trustedRoot);
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
