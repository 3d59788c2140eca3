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
  /** null: this reply could not be decrypted or checked (the page says so; the rest still shows). */
  text: string | null;
}

export interface OpenedThread {
  thread: SubmissionId;
  /** Needed again to link a follow-up; never shown, never stored. */
  login: string;
  key: PrivateKey;
  replies: ShownReply[];
  followUps: { id: string; day: string }[];
}

export async function openWithCodename(codename: string, options: { onStage?: StageListener; client?: ContactClientOptions } = {}): Promise<OpenedThread> {
  const onStage = options.onStage ?? (() => undefined);
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
  const replies: ShownReply[] = [];
  for (const reply of view.replies) {
    try {
      const plaintext = await decryptReply({ thread: view.thread, message: fromBase64(reply.message), key });
      replies.push({ id: reply.id, day: reply.day, text: plaintext.text });
    } catch {
      replies.push({ id: reply.id, day: reply.day, text: null });
    }
  }
  return { thread: view.thread, login: secrets.login, key, replies, followUps: view.followUps };
}

export function linkFollowUp(opened: Pick<OpenedThread, "login">, submissionId: SubmissionId, signal: AbortSignal, client?: ContactClientOptions): Promise<void> {
  return createContactClient({ ...client, signal }).linkFollowUp(opened.login, submissionId);
}
