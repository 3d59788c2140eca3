/**
 * `testigo decrypt DIR... --key SECRET.asc --out DIR [--salvage] [--passphrase-file F]`
 * Each DIR is one submission's parts (named header-F, chunk-F-C, manifest); its name is the
 * submission id unless --id is given. Offline: opens no socket.
 */
import { mkdir, readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { decryptKey, readPrivateKey, type PrivateKey } from "openpgp";
import { z } from "zod";
import { SubmissionIdSchema } from "../../app/envelope/format";
import { pgpConfig } from "../../app/envelope/pgp-config";
import { readPassphrase } from "../passphrase";
import { verifyAndDecryptSubmission } from "./verify-submission";

const Options = z.object({
  key: z.array(z.string().min(1)).min(1, "--key SECRET.asc is required"),
  out: z.string().min(1, "--out DIR is required"),
  id: z.string().optional(),
  salvage: z.boolean().default(false),
  "passphrase-file": z.string().optional(),
});

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
    },
  });
  const options = Options.safeParse(values);
  if (!options.success) throw new Error(options.error.issues.map((i) => i.message).join("; "));
  if (positionals.length === 0) throw new Error("name at least one submission directory");
  if (options.data.id && positionals.length > 1) throw new Error("--id applies to a single directory");
  const keys = await loadKeys(options.data.key, options.data["passphrase-file"]);
  let allOk = true;
  for (const dir of positionals) {
    const id = SubmissionIdSchema.safeParse(options.data.id ?? path.basename(path.resolve(dir)));
    if (!id.success) throw new Error(`${dir}: cannot tell the submission id (name the directory by it or pass --id)`);
    await readdir(dir);
    const outDir = path.join(options.data.out, id.data);
    await mkdir(outDir, { recursive: false }).catch((error: unknown) => {
      if (error instanceof Error && "code" in error && error.code === "ENOENT") return mkdir(outDir, { recursive: true });
      throw error;
    });
    const result = await verifyAndDecryptSubmission({ dir, submissionId: id.data, keys, outDir, salvage: options.data.salvage });
    allOk &&= result.ok;
    process.stdout.write(`${id.data}: ${result.ok ? "OK" : "PROBLEMS (see verification.txt)"} -> ${outDir}\n`);
    for (const p of result.problems) process.stdout.write(`  ${p}\n`);
    for (const f of result.files) for (const p of f.problems) process.stdout.write(`  file ${f.index + 1}: ${p}\n`);
  }
  return allOk ? 0 : 2;
}
