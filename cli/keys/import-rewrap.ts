/**
 * `keys import-rewrap REWRAPPED.tar` (server host; reads TESTIGO_DATA_DIR and TESTIGO_KEYS_DIR
 * like `testigo export`): replaces stored headers and manifests with their rewrapped versions.
 * Each part is checked on its own, and a part that fails any check is refused by name while the
 * rest still import: the submission exists and is sealed, the part exists, its SEIPD packet is
 * byte-identical to the stored one (only the PKESKs may change: whoever made the file cannot
 * have swapped the content), and its PKESKs name exactly the current keyring's encryption subkeys.
 * `keys drop-old-headers` removes the pre-rewrap copies once the new keys are known to work.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parsePartName } from "../../app/envelope/format";
import { encryptedPacketOf } from "../../app/envelope/header-content";
import { inspectKeyedMessage } from "../../app/envelope/inspect";
import { verifyKeyring } from "../../app/keyring/verify";
import { loadConfig } from "../../server/config";
import { entryName, readHeadersFile } from "../../server/export/headers-file";
import { readKeyringBundle } from "../../server/keyring/files";
import { openDb } from "../../server/storage/db";
import { SubmissionStore } from "../../server/storage/submission-store";
import { KeysError, errorMessage, refuse } from "./errors";

export interface ImportResult {
  version: number;
  replaced: string[];
  unchanged: string[];
  refused: string[];
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function openStore(): { store: SubmissionStore; keysDir: string; rootFingerprint: string | undefined; close: () => void } {
  const loaded = loadConfig();
  if (!loaded.ok) throw new KeysError(loaded.message);
  const db = openDb(path.join(loaded.config.dataDir, "testigo.sqlite"));
  return {
    store: new SubmissionStore(db, loaded.config.dataDir, loaded.config.limits),
    keysDir: loaded.config.keysDir,
    rootFingerprint: loaded.config.rootFingerprint,
    close: () => db.close(),
  };
}

export async function importRewrap(args: { file: string }): Promise<ImportResult> {
  const { store, keysDir, rootFingerprint, close } = openStore();
  try {
    // The server's own keyring, checked as at start: the PKESKs must name what it serves now.
    let bundle;
    try {
      bundle = await readKeyringBundle(keysDir);
    } catch (error) {
      throw refuse(`cannot read the keyring in ${keysDir}: ${errorMessage(error)}`);
    }
    const verified = await verifyKeyring(bundle, { trustedRootFingerprint: rootFingerprint });
    if (!verified.ok) throw refuse(`keyring refused: ${verified.reason}`);
    const { encryptionKeyIds, document } = verified.keyring;

    const input = await readHeadersFile(args.file);
    const result: ImportResult = { version: document.version, replaced: [], unchanged: [], refused: [] };
    for (const s of input.index.submissions) {
      const refusedBefore = result.refused.length;
      for (const name of s.parts) {
        const key = entryName(s.id, name);
        const data = input.parts.get(key);
        if (!data) {
          result.refused.push(`${key}: missing from the file`);
          continue;
        }
        try {
          const outcome = await store.replaceKeyedPart({
            id: s.id,
            name,
            data,
            check: async (stored) => {
              const before = encryptedPacketOf(stored);
              const after = encryptedPacketOf(data);
              if (!after.ok) return `malformed (${after.reason})`;
              if (!before.ok) return `the stored part is malformed (${before.reason})`;
              if (!sameBytes(before.bytes, after.bytes)) return "its encrypted packet differs from the stored one (only the session-key packets may change)";
              const shape = await inspectKeyedMessage(data, encryptionKeyIds);
              return shape.ok ? null : `not encrypted to exactly the current keyring's keys: ${shape.reason}`;
            },
          });
          if (outcome.kind === "refused") result.refused.push(`${key}: ${outcome.message}`);
          else if (outcome.kind === "unchanged") result.unchanged.push(key);
          else result.replaced.push(key);
        } catch (error) {
          result.refused.push(`${key}: ${errorMessage(error)}`);
        }
      }
      // The submission counts as the new version only when all its keyed parts name the new keys.
      if (result.refused.length === refusedBefore && (await allKeyedPartsCurrent(store, s.id, encryptionKeyIds))) {
        await store.markRewrapped(s.id, document.version);
      }
    }
    return result;
  } finally {
    close();
  }
}

async function allKeyedPartsCurrent(store: SubmissionStore, id: string, keyIds: ReadonlySet<string>): Promise<boolean> {
  const status = store.status(id);
  if (!status) return false;
  for (const part of status.parts) {
    if (parsePartName(part.name)?.kind === "chunk") continue;
    const shape = await inspectKeyedMessage(new Uint8Array(await readFile(store.partPath(id, part.name))), keyIds);
    if (!shape.ok) return false;
  }
  return true;
}

export async function dropOldHeaders(): Promise<string[]> {
  const { store, close } = openStore();
  try {
    return await store.dropPreRewrapFiles();
  } finally {
    close();
  }
}
