/**
 * The two things a witness does with a codename, as steps the page can show: make one (after a
 * submission) and use one (to read replies and send more). The codename, the derived secrets and
 * the unlocked key live only in this tab's memory.
 */
import type { PrivateKey } from "openpgp";
import { generateCodename } from "~/codename/codename";
import { deriveCodenameSecrets } from "~/codename/derive";
import { createWitnessKey, unlockWitnessKey } from "~/codename/witness-key";
import { loadWordlist, type WordlistLang } from "~/codename/wordlists";
import type { SubmissionId } from "~/envelope/format";
import type { VerifiedKeyring } from "~/keyring/verify";
import { SubmitError } from "~/submit/errors";
import { createContactClient, fromBase64, type ContactClientOptions } from "./api.client";
import { decryptReply } from "./reply";

export type CodenameStage = "words" | "deriving" | "key" | "registering" | "checking" | "decrypting";

export interface StageListener {
  (stage: CodenameStage, detail?: { fraction?: number; bits?: number }): void;
}

export async function createCodename(args: {
  submissionId: SubmissionId;
  lang: WordlistLang;
  onStage?: StageListener;
  client?: ContactClientOptions;
}): Promise<string> {
  const onStage = args.onStage ?? (() => undefined);
  onStage("words");
  const codename = generateCodename(await loadWordlist(args.lang));
  onStage("deriving", { fraction: 0 });
  const secrets = await deriveCodenameSecrets(codename, { onProgress: (fraction) => onStage("deriving", { fraction }) });
  onStage("key");
  const keys = await createWitnessKey(secrets.keyPassphrase);
  onStage("registering");
  await createContactClient(args.client).register(args.submissionId, secrets.login, keys);
  return codename;
}

export interface ShownReply {
  id: string;
  day: string;
  /**
   * null: this reply could not be decrypted or checked, including a signature that does not
   * verify against the verified keyring (the page says so; the rest still shows).
   */
  text: string | null;
  /**
   * The keyring key whose signature verified (label from the keyring document), or null for an
   * unsigned reply: one whoever controls the server could have written. Always null when text is.
   */
  signedBy: { fingerprint: string; label: string } | null;
}

export interface OpenedThread {
  thread: SubmissionId;
  /** Needed again to link a follow-up; never shown, never stored. */
  login: string;
  key: PrivateKey;
  replies: ShownReply[];
  followUps: { id: string; day: string }[];
}

export async function openWithCodename(
  codename: string,
  options: {
    /**
     * The editors' keyring, verified as the submit page verifies it (loadKeyring: the root pinned
     * in the build or shown on the page). Replies are checked against its active editor keys
     * before any is shown; a keyring that does not verify fails the whole opening.
     */
    keyring: () => Promise<VerifiedKeyring>;
    onStage?: StageListener;
    client?: ContactClientOptions;
  },
): Promise<OpenedThread> {
  const onStage = options.onStage ?? (() => undefined);
  // Started now so it loads while scrypt runs; awaited (and its failure thrown) only below.
  const keyringPromise = options.keyring();
  keyringPromise.catch(() => undefined);
  onStage("deriving", { fraction: 0 });
  const secrets = await deriveCodenameSecrets(codename, { onProgress: (fraction) => onStage("deriving", { fraction }) });
  onStage("checking");
  const client = createContactClient({ ...options.client, onWork: (bits) => onStage("checking", { bits }) });
  const view = await client.open(secrets.login);
  onStage("decrypting");
  let key: PrivateKey;
  try {
    key = await unlockWitnessKey(fromBase64(view.secretKey), secrets.keyPassphrase);
  } catch {
    // The server answered for this verifier but the key does not open: a damaged or substituted
    // record. Treated like any unknown codename; the witness can do nothing else with it.
    throw new SubmitError("unknown-codename", "the stored key does not open with this codename", null);
  }
  const keyring = await keyringPromise;
  const replies: ShownReply[] = [];
  for (const reply of view.replies) {
    try {
      // verificationKeys is always given here, so a signed reply either verifies against a
      // keyring key or throws (shown as unreadable): never shown as merely "not signed".
      const opened = await decryptReply({ thread: view.thread, message: fromBase64(reply.message), key, verificationKeys: keyring.recipients });
      const entry = opened.signedBy === null ? undefined : keyring.document.keys.find((k) => k.fingerprint === opened.signedBy);
      if (opened.signedBy !== null && entry === undefined) throw new Error("signed by a key missing from the keyring document");
      replies.push({
        id: reply.id,
        day: reply.day,
        text: opened.text,
        signedBy: opened.signedBy !== null && entry ? { fingerprint: opened.signedBy, label: entry.label } : null,
      });
    } catch {
      replies.push({ id: reply.id, day: reply.day, text: null, signedBy: null });
    }
  }
  return { thread: view.thread, login: secrets.login, key, replies, followUps: view.followUps };
}

export function linkFollowUp(opened: Pick<OpenedThread, "login">, submissionId: SubmissionId, signal: AbortSignal, client?: ContactClientOptions): Promise<void> {
  return createContactClient({ ...client, signal }).linkFollowUp(opened.login, submissionId);
}
