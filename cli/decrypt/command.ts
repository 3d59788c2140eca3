/**
 * `testigo decrypt BUNDLE|DIR... --key SECRET.asc --out DIR [--salvage] [--passphrase-file F]
 *                 [--keys KEYS_DIR [--root-fingerprint FPR]]`
 * A BUNDLE is an export bundle (tar, from the editor interface or `testigo export`), possibly a
 * thread bundle (a root, its follow-ups, thread.json, the witness's key and the replies); a DIR is
 * one submission's parts (named header-F, chunk-F-C, manifest), named by the submission id unless
 * --id is given. --keys names a keys folder (checked as `testigo keys verify` checks it) whose
 * keys the replies' signatures are checked against; without it a signature is only noted.
 * Offline: opens no socket.
 */
import { mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { decryptKey, readKey, readPrivateKey, type PrivateKey, type PublicKey } from "openpgp";
import { z } from "zod";
import { SubmissionIdSchema } from "../../app/envelope/format";
import { pgpConfig } from "../../app/envelope/pgp-config";
import { verifyKeyring } from "../../app/keyring/verify";
import { readKeyringBundle } from "../../server/keyring/files";
import { FingerprintArg } from "../keys/fingerprint";
import { verifyKeysDir } from "../keys/verify";
import { readPassphrase } from "../passphrase";
import { verifyAndDecryptSubmission, type SubmissionResult } from "./verify-submission";
import { unpackBundle, type UnpackedBundle } from "./read-bundle";
import { verifyAndDecryptThread, type ReplySigners } from "./verify-thread";

const Options = z.object({
  key: z.array(z.string().min(1)).min(1, "--key SECRET.asc is required"),
  out: z.string().min(1, "--out DIR is required"),
  id: z.string().optional(),
  salvage: z.boolean().default(false),
  "passphrase-file": z.string().optional(),
  keys: z.string().min(1).optional(),
  "root-fingerprint": FingerprintArg.optional(),
});

/**
 * The keys reply signatures are checked against: every key the verified, root-signed keyring
 * document lists whose public key the folder holds. Retired keys count here (unlike on the
 * witness's page, which knows only the active ones): an old reply signed before a rotation is
 * still the organisation's, and the document says which key it was.
 */
async function loadSigners(keysDir: string, rootFingerprint: string | undefined): Promise<ReplySigners> {
  const checked = await verifyKeysDir({ keysDir, rootFingerprint });
  const bundle = await readKeyringBundle(keysDir);
  const verified = await verifyKeyring(bundle, { trustedRootFingerprint: checked.rootFingerprint });
  if (!verified.ok) throw new Error(`--keys ${keysDir}: keyring refused: ${verified.reason}`);
  const keys: PublicKey[] = [];
  const labels = new Map<string, string>();
  for (const entry of verified.keyring.document.keys) {
    const armored = bundle.keys[entry.fingerprint];
    if (!armored) continue;
    const key = await readKey({ armoredKey: armored, config: pgpConfig });
    if (key.getFingerprint().toUpperCase() !== entry.fingerprint) continue;
    keys.push(key);
    labels.set(entry.fingerprint, entry.status === "active" ? entry.label : `${entry.label}, retired`);
  }
  return { keys, labels };
}

async function loadKeys(files: string[], passphraseFile: string | undefined): Promise<PrivateKey[]> {
  const keys: PrivateKey[] = [];
  for (const file of files) {
    let key = await readPrivateKey({ armoredKey: await readFile(file, "utf8"), config: pgpConfig });
    if (!key.isDecrypted()) {
      const passphrase = await readPassphrase({ file: passphraseFile, prompt: `Passphrase for ${path.basename(file)}: ` });
      key = await decryptKey({ privateKey: key, passphrase, config: pgpConfig });
    }
    keys.push(key);
  }
  return keys;
}

/** Never write into an existing folder: a second run must not mix with or overwrite the first. */
async function freshOutDir(root: string, id: string): Promise<string> {
  const dir = path.join(root, id);
  try {
    await mkdir(dir);
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "EEXIST") {
      throw new Error(`${dir} already exists; choose another --out or move it away`);
    }
    throw error;
  }
  return dir;
}

/** Follow-ups in the bundle whose (server-written) index links them to `thread`: id → day. */
function followUpsOf(bundle: UnpackedBundle, thread: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const s of bundle.submissions) if (s.index?.thread === thread) found.set(s.id, s.index.day);
  return found;
}

export async function decryptCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      key: { type: "string", multiple: true },
      out: { type: "string" },
      id: { type: "string" },
      salvage: { type: "boolean" },
      "passphrase-file": { type: "string" },
      keys: { type: "string" },
      "root-fingerprint": { type: "string" },
    },
  });
  const options = Options.safeParse({ ...values, "root-fingerprint": values["root-fingerprint"] ?? process.env.TESTIGO_ROOT_FINGERPRINT });
  if (!options.success) throw new Error(options.error.issues.map((i) => i.message).join("; "));
  if (positionals.length === 0) throw new Error("name at least one submission directory");
  if (options.data.id && positionals.length > 1) throw new Error("--id applies to a single directory");
  const keys = await loadKeys(options.data.key, options.data["passphrase-file"]);
  const signers = options.data.keys ? await loadSigners(options.data.keys, options.data["root-fingerprint"]) : undefined;
  let allOk = true;
  const report = (result: SubmissionResult, outDir: string) => {
    allOk &&= result.ok;
    process.stdout.write(`${result.submissionId}: ${result.ok ? "OK" : "PROBLEMS (see verification.txt)"} -> ${outDir}\n`);
    for (const p of result.problems) process.stdout.write(`  ${p}\n`);
    for (const f of result.files) for (const p of f.problems) process.stdout.write(`  file ${f.index + 1}: ${p}\n`);
    const thread = result.thread;
    if (thread) {
      process.stdout.write(`  thread: ${thread.followUps.length} follow-up(s), ${thread.replies.filter((r) => r.ok).length} of ${thread.replies.length} reply(ies) decrypted into replies/\n`);
      for (const p of thread.problems) process.stdout.write(`  thread: ${p}\n`);
      for (const r of thread.replies) {
        if (r.signature) process.stdout.write(`  reply ${r.n}: ${r.signature}\n`);
        for (const p of r.problems) process.stdout.write(`  reply ${r.n}: ${p}\n`);
      }
    }
  };
  await mkdir(options.data.out, { recursive: true });
  for (const input of positionals) {
    if ((await stat(input)).isDirectory()) {
      const id = SubmissionIdSchema.safeParse(options.data.id ?? path.basename(path.resolve(input)));
      if (!id.success) throw new Error(`${input}: cannot tell the submission id (name the directory by it or pass --id)`);
      const outDir = await freshOutDir(options.data.out, id.data);
      report(await verifyAndDecryptSubmission({ dir: input, submissionId: id.data, keys, outDir, salvage: options.data.salvage }), outDir);
      continue;
    }
    const scratch = await mkdtemp(path.join(options.data.out, ".unpack-"));
    try {
      const bundle = await unpackBundle(input, scratch);
      for (const unpacked of bundle.submissions) {
        const outDir = await freshOutDir(options.data.out, unpacked.id);
        const threadFiles = bundle.threads.get(unpacked.id);
        const thread = threadFiles
          ? await verifyAndDecryptThread({ thread: threadFiles, keys, outDir, followUpsInBundle: followUpsOf(bundle, unpacked.id), signers })
          : undefined;
        report(
          await verifyAndDecryptSubmission({
            dir: unpacked.dir, submissionId: unpacked.id, keys, outDir, salvage: options.data.salvage, knownProblems: unpacked.problems,
            expectedThread: unpacked.index?.thread, thread,
          }),
          outDir,
        );
      }
      // Replies or a thread index without the root they belong to: nothing to check them against.
      for (const id of bundle.threads.keys()) {
        if (bundle.submissions.some((s) => s.id === id)) continue;
        allOk = false;
        process.stdout.write(`${id}: PROBLEMS: the bundle holds this thread's files but not its first submission\n`);
      }
    } finally {
      // Only ciphertext was unpacked here; the plaintext is in the submission's folder.
      await rm(scratch, { recursive: true, force: true });
    }
  }
  return allOk ? 0 : 2;
}
