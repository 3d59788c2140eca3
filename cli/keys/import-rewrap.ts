/**
 * `keys import-rewrap REWRAPPED.tar` (server host; reads TESTIGO_DATA_DIR and TESTIGO_KEYS_DIR
 * like `testigo export`): replaces stored headers and manifests with their rewrapped versions.
 * Each part is checked on its own, and a part that fails any check is refused by name while the
 * rest still import: the submission exists and is sealed, the part exists, its SEIPD packet is
 * byte-identical to the stored one (only the PKESKs may change: whoever made the file cannot
 * have swapped the content), and its PKESKs name exactly the current keyring's encryption subkeys.
 * `keys drop-old-headers` removes the pre-rewrap copies once the new keys are known to work.
 *
 * Editor replies in the file are checked the same way, each on its own: the reply exists in the
 * thread the file names, its SEIPD packet and its PKESK to the witness's key (the server's own
 * record of it, not the file's) are byte-identical to the stored ones, and its PKESKs name
 * exactly the witness's key and the current keyring's encryption subkeys. Each accepted reply is
 * replaced in one SQLite transaction of its own (ThreadStore.replaceReplyMessage), so a crash
 * leaves every reply either old or new, and running the same file again finishes the rest. The
 * replaced message stays in `replies.message_before_rewrap` until `keys drop-old-headers`.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { replyRecipientKeyIds } from "../../app/contact/reply";
import { parsePartName } from "../../app/envelope/format";
import { encryptedPacketOf } from "../../app/envelope/header-content";
import { inspectKeyedMessage, keyedPacketsOf } from "../../app/envelope/inspect";
import { verifyKeyring } from "../../app/keyring/verify";
import { loadConfig } from "../../server/config";
import { ThreadStore } from "../../server/contacts/thread-store";
import { entryName, readHeadersFile, replyEntryName, type HeadersIndex } from "../../server/export/headers-file";
import { readKeyringBundle } from "../../server/keyring/files";
import { openDb } from "../../server/storage/db";
import { SubmissionStore, sha256Hex } from "../../server/storage/submission-store";
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

function openStore(): { store: SubmissionStore; threads: ThreadStore; keysDir: string; rootFingerprint: string | undefined; close: () => void } {
  const loaded = loadConfig();
  if (!loaded.ok) throw new KeysError(loaded.message);
  const db = openDb(path.join(loaded.config.dataDir, "testigo.sqlite"));
  return {
    store: new SubmissionStore(db, loaded.config.dataDir, loaded.config.limits),
    threads: new ThreadStore(db),
    keysDir: loaded.config.keysDir,
    rootFingerprint: loaded.config.rootFingerprint,
    close: () => db.close(),
  };
}

export async function importRewrap(args: { file: string }): Promise<ImportResult> {
  const { store, threads, keysDir, rootFingerprint, close } = openStore();
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
    for (const r of input.index.replies ?? []) {
      const key = replyEntryName(r.thread, r.id);
      const data = input.replies.get(r.id);
      if (!data) {
        result.refused.push(`${key}: missing from the file`);
        continue;
      }
      try {
        const outcome = await importReply({ threads, listed: r, data, editorKeyIds: encryptionKeyIds });
        if (outcome.kind === "refused") result.refused.push(`${key}: ${outcome.message}`);
        else if (outcome.kind === "unchanged") result.unchanged.push(key);
        else result.replaced.push(key);
      } catch (error) {
        result.refused.push(`${key}: ${errorMessage(error)}`);
      }
    }
    return result;
  } finally {
    close();
  }
}

type ListedReply = NonNullable<HeadersIndex["replies"]>[number];

type ReplyImport = { kind: "replaced" | "unchanged" } | { kind: "refused"; message: string };

/** Checks one rewrapped reply against the stored one and installs it (see the file comment). */
async function importReply(args: {
  threads: ThreadStore;
  listed: ListedReply;
  data: Uint8Array;
  editorKeyIds: ReadonlySet<string>;
}): Promise<ReplyImport> {
  const refused = (message: string): ReplyImport => ({ kind: "refused", message });
  const { threads, listed, data } = args;
  const stored = threads.replyForRewrap(listed.id);
  if (!stored || stored.thread !== listed.thread) return refused(`no such reply in thread ${listed.thread}`);
  // The server's record decides which packet is the witness's; a file naming another key is
  // either for another portal or forged, and either way not to be installed here.
  if (listed.witnessKeyId !== stored.witnessKeyId) {
    return refused(`the file names witness key ${listed.witnessKeyId}, but this thread's witness key is ${stored.witnessKeyId}`);
  }
  const before = await keyedPacketsOf(stored.message);
  const after = await keyedPacketsOf(data);
  if (!after.ok) return refused(`malformed (${after.reason})`);
  if (!before.ok) return refused(`the stored reply is malformed (${before.reason})`);
  if (!sameBytes(before.encrypted, after.encrypted)) return refused("its encrypted packet differs from the stored one (only the editors' session-key packets may change)");
  // The witness's packet cannot be checked by decrypting it (the server holds no witness secret
  // it can open), so it must be the stored packet itself: then the witness reads the reply as
  // before, whatever else the file's maker did.
  const witnessBefore = before.sessionKeys.filter((p) => p.keyId === stored.witnessKeyId);
  const witnessAfter = after.sessionKeys.filter((p) => p.keyId === stored.witnessKeyId);
  if (witnessBefore.length !== 1 || !witnessBefore[0]) return refused(`the stored reply has ${witnessBefore.length} session-key packets to the witness's key ${stored.witnessKeyId}`);
  if (witnessAfter.length !== 1 || !witnessAfter[0]) {
    return refused(`expected exactly one session-key packet to the witness's key ${stored.witnessKeyId}, found ${witnessAfter.length}`);
  }
  if (!sameBytes(witnessBefore[0].bytes, witnessAfter[0].bytes)) {
    return refused(`its session-key packet to the witness's key ${stored.witnessKeyId} differs from the stored one (it must be kept byte for byte)`);
  }
  const shape = await inspectKeyedMessage(data, replyRecipientKeyIds(stored.witnessKeyId, args.editorKeyIds));
  if (!shape.ok) return refused(`not encrypted to exactly the witness's key and the current keyring's keys: ${shape.reason}`);
  const outcome = threads.replaceReplyMessage({ id: listed.id, checkedSha256: stored.sha256, bytes: data, sha256: sha256Hex(data) });
  switch (outcome) {
    case "replaced":
      return { kind: "replaced" };
    case "unchanged":
      return { kind: "unchanged" };
    case "not_found":
      return refused("the reply was deleted during the import");
    case "changed":
      return refused("the stored reply changed during the import; run the import again");
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

/** Removes the pre-rewrap header files and forgets the replies' pre-rewrap messages. */
export async function dropOldHeaders(): Promise<{ files: string[]; replies: string[] }> {
  const { store, threads, close } = openStore();
  try {
    const files = await store.dropPreRewrapFiles();
    const replies = threads.dropMessagesBeforeRewrap().map((r) => replyEntryName(r.thread, r.id));
    return { files, replies };
  } finally {
    close();
  }
}
