/**
 * Offline check of a thread's own files in a bundle (docs/adr/0007-two-way-contact.md): the
 * thread index (`thread.json`), the witness's public key and the editors' replies. Each reply is
 * checked against the index (present, size, SHA-256; nothing extra) and decrypted with the
 * editor's key (replies are encrypted to every active editor key as well as to the witness), so
 * the editor's offline copy holds what the organisation said to the witness, word for word.
 * Reply signatures (`testigo reply --sign-key`) are checked against the keys of a verified keys
 * folder when one is given (--keys); a signature that does not verify is a problem.
 */
import { createHash } from "node:crypto";
import { readFile, writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { readKey, type PrivateKey, type PublicKey } from "openpgp";
import { ThreadIndexSchema, type ThreadIndex } from "../../app/contact/format";
import { decryptReply } from "../../app/contact/reply";
import { pgpConfig } from "../../app/envelope/pgp-config";
import { REPLIES_DIR, THREAD_FILE, WITNESS_KEY_FILE, type UnpackedThread } from "./read-bundle";

export interface ReplyResult {
  /** 1-based place in thread.json: the order the editors sent them. */
  n: number;
  id: string;
  day: string;
  /** Relative to the root submission's output folder, e.g. `replies/01-2026-11-27.txt`. */
  writtenAs: string | null;
  /**
   * What is known of the reply's signature, for verification.txt and report.md: "unsigned",
   * "signed by FPR (label)", "signature present, not checked (pass --keys)", or null when the
   * reply could not be opened at all.
   */
  signature: string | null;
  ok: boolean;
  problems: string[];
}

export interface ThreadResult {
  thread: string;
  index: ThreadIndex | null;
  witnessKeyFingerprint: string | null;
  followUps: { id: string; day: string; inBundle: boolean }[];
  replies: ReplyResult[];
  /** Problems of the thread as a whole (index, key, follow-up list, replies not in the index). */
  problems: string[];
  ok: boolean;
}

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function parseJsonOrNull(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The name a reply is written under: its place in the thread, then its day. */
export function replyFileName(n: number, day: string): string {
  return `${String(n).padStart(2, "0")}-${day}.txt`;
}

/** Keys of a verified keyring folder (`--keys`) that reply signatures are checked against. */
export interface ReplySigners {
  keys: PublicKey[];
  /** Primary fingerprint (uppercase hex) → label as the signed keyring document gives it. */
  labels: ReadonlyMap<string, string>;
}

type Opened = { text: string; signature: string } | { error: string };

async function decryptWithAny(args: {
  thread: string;
  message: Uint8Array;
  keys: readonly PrivateKey[];
  signers: ReplySigners | undefined;
}): Promise<Opened> {
  const errors: string[] = [];
  for (const key of args.keys) {
    try {
      const plaintext = await decryptReply({
        thread: args.thread, message: args.message, key, ...(args.signers ? { verificationKeys: args.signers.keys } : {}),
      });
      if (plaintext.thread !== args.thread) return { error: `the reply names thread ${plaintext.thread}` };
      const signature =
        plaintext.signedBy !== null
          ? `signed by ${plaintext.signedBy} (${args.signers?.labels.get(plaintext.signedBy) ?? "no label"})`
          : plaintext.signed
            ? "signature present, not checked (pass --keys)"
            : "unsigned";
      return { text: plaintext.text, signature };
    } catch (error) {
      errors.push(describeError(error));
    }
  }
  return { error: errors.join("; ") || "no key given" };
}

export async function verifyAndDecryptThread(args: {
  thread: UnpackedThread;
  keys: readonly PrivateKey[];
  /** The root submission's output folder; replies go to its `replies/` folder. */
  outDir: string;
  /** Follow-ups in this bundle whose index names this thread: id → day. */
  followUpsInBundle: ReadonlyMap<string, string>;
  /** From `--keys`: check reply signatures against these; absent, signatures are only noted. */
  signers?: ReplySigners;
}): Promise<ThreadResult> {
  const { thread } = args;
  const result: ThreadResult = {
    thread: thread.id, index: null, witnessKeyFingerprint: null, followUps: [], replies: [], problems: [], ok: false,
  };
  const problem = (p: string) => result.problems.push(p);

  if (thread.hasThreadJson) {
    const parsed = ThreadIndexSchema.safeParse(parseJsonOrNull(await readFile(path.join(thread.dir, THREAD_FILE), "utf8")));
    if (!parsed.success) problem(`${THREAD_FILE}: not a valid thread index`);
    else if (parsed.data.thread !== thread.id) problem(`${THREAD_FILE}: names thread ${parsed.data.thread}, not ${thread.id}`);
    else result.index = parsed.data;
  } else {
    problem(`${THREAD_FILE}: missing, but the bundle holds this thread's ${thread.replies.size > 0 ? "replies" : "files"}`);
  }

  if (thread.hasWitnessKey) {
    try {
      const key = await readKey({ binaryKey: new Uint8Array(await readFile(path.join(thread.dir, WITNESS_KEY_FILE))), config: pgpConfig });
      if (key.isPrivate()) problem(`${WITNESS_KEY_FILE}: holds a secret key`);
      else result.witnessKeyFingerprint = key.getFingerprint().toUpperCase();
    } catch (error) {
      problem(`${WITNESS_KEY_FILE}: not a readable OpenPGP public key (${describeError(error)})`);
    }
  }
  const index = result.index;
  if (index) {
    if (index.witnessKey !== null && !thread.hasWitnessKey) problem(`${WITNESS_KEY_FILE}: listed in ${THREAD_FILE} but missing from the bundle`);
    if (index.witnessKey === null && thread.hasWitnessKey) problem(`${WITNESS_KEY_FILE}: in the bundle but ${THREAD_FILE} says the witness has no key`);

    const listed = new Set(index.followUps.map((f) => f.id));
    for (const f of index.followUps) {
      const inBundle = args.followUpsInBundle.has(f.id);
      result.followUps.push({ id: f.id, day: f.day, inBundle });
      if (!inBundle) problem(`follow-up ${f.id}: listed in ${THREAD_FILE} but missing from the bundle`);
    }
    for (const [id, day] of args.followUpsInBundle) {
      if (!listed.has(id)) {
        result.followUps.push({ id, day, inBundle: true });
        problem(`follow-up ${id}: in the bundle, linked to this thread, but not listed in ${THREAD_FILE}`);
      }
    }

    const listedReplies = new Set(index.replies.map((r) => r.id));
    if (index.replies.length > 0) await mkdir(path.join(args.outDir, REPLIES_DIR), { mode: 0o700 });
    for (const [i, entry] of index.replies.entries()) {
      result.replies.push(await decryptOne({ n: i + 1, entry, thread, keys: args.keys, outDir: args.outDir, signers: args.signers }));
    }
    for (const id of [...thread.replies.keys()].sort()) {
      if (!listedReplies.has(id)) problem(`${REPLIES_DIR}/${id}.pgp: in the bundle but not listed in ${THREAD_FILE}`);
    }
  } else {
    for (const id of [...thread.replies.keys()].sort()) problem(`${REPLIES_DIR}/${id}.pgp: cannot be checked without a valid ${THREAD_FILE}`);
  }
  result.ok = result.problems.length === 0 && result.replies.every((r) => r.ok);
  return result;
}

async function decryptOne(args: {
  n: number;
  entry: ThreadIndex["replies"][number];
  thread: UnpackedThread;
  keys: readonly PrivateKey[];
  outDir: string;
  signers: ReplySigners | undefined;
}): Promise<ReplyResult> {
  const { entry, thread } = args;
  const result: ReplyResult = { n: args.n, id: entry.id, day: entry.day, writtenAs: null, signature: null, ok: false, problems: [] };
  const name = `${REPLIES_DIR}/${entry.id}.pgp`;
  const found = thread.replies.get(entry.id);
  if (!found) {
    result.problems.push(`${name}: listed in ${THREAD_FILE} but missing from the bundle`);
    return result;
  }
  if (found.size !== entry.size) result.problems.push(`${name}: ${found.size} bytes, ${THREAD_FILE} says ${entry.size}`);
  const message = new Uint8Array(await readFile(path.join(thread.dir, REPLIES_DIR, `${entry.id}.pgp`)));
  if (sha256(message) !== entry.sha256) result.problems.push(`${name}: altered (SHA-256 differs from ${THREAD_FILE})`);
  const opened = await decryptWithAny({ thread: thread.id, message, keys: args.keys, signers: args.signers });
  if ("error" in opened) {
    // A signature that fails against the keyring lands here too: the witness's page would show
    // this reply as unreadable, so the editor's copy must not present it as a good one.
    result.problems.push(`${name}: cannot be decrypted or belongs elsewhere, or its signature fails (${opened.error})`);
    return result;
  }
  result.signature = opened.signature;
  // A reply that does not match the index is not written as if it were the one the server stored.
  if (result.problems.length > 0) return result;
  const written = `${REPLIES_DIR}/${replyFileName(args.n, entry.day)}`;
  await writeFile(path.join(args.outDir, written), opened.text, { flag: "wx", mode: 0o600 });
  result.writtenAs = written;
  result.ok = true;
  return result;
}
