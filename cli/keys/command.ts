/**
 * `testigo keys ...`: the security staff's program. Each route parses its arguments (parseArgs,
 * strict, then zod), calls one function from this directory and prints the result; the work and
 * the checks live in those functions. Passphrases come from the prompt or --passphrase-file only.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { decryptKey, readPrivateKey, type PrivateKey } from "openpgp";
import { pgpConfig } from "../../app/envelope/pgp-config";
import { dropOldHeaders, importRewrap } from "./import-rewrap";
import { rewrapHeaders } from "./rewrap";
import { z } from "zod";
import { readPassphrase } from "../passphrase";
import { addKey } from "./add";
import { editorNew } from "./editor-new";
import { KeysError, errorMessage } from "./errors";
import { FingerprintArg, groupFingerprint } from "./fingerprint";
import { defaultKeysDir } from "./keys-dir";
import { readNewPassphrase } from "./new-passphrase";
import { retireKey } from "./retire";
import { rootInit } from "./root-init";
import { readRootSecret, signKeyring } from "./sign";
import { formatStatus, keysStatus } from "./status";
import { verifyKeysDir } from "./verify";

export const KEYS_USAGE = `  keys root init --out DIR [--name NAME] [--passphrase-file FILE]
      offline: make the organisation's root key (DIR/root-secret.asc, DIR/root.asc)
  keys editor new NAME --out DIR [--passphrase-file FILE]
      offline: make an editor key pair (GnuPG-importable, passphrase-protected)
  keys add FILE.asc --label LABEL [--keys-dir DIR] [--root ROOT.asc]
      check an editor public key against the key policy and enrol it (unsigned until \`keys sign\`)
  keys retire FINGERPRINT [--keys-dir DIR]
      stop encrypting new submissions to a key (unsigned until \`keys sign\`)
  keys sign --root-key root-secret.asc [--keys-dir DIR] [--passphrase-file FILE]
      sign keyring.json with the root key (writes keyring.json.asc)
  keys verify [--keys-dir DIR] [--root-fingerprint FPR]
      check the keyring as the portal does at start; exit 2 with the reason if it would refuse it
  keys status [--keys-dir DIR]
      every key, its status and expiry, who new submissions are encrypted to, warnings
  keys rewrap HEADERS.tar --key OLD-SECRET.asc [--key ...] --out REWRAPPED.tar [--keys-dir DIR]
            [--passphrase-file FILE] [--root-fingerprint FPR]
      offline: re-encrypt each header's and reply's session key to the current keyring (media untouched)
  keys import-rewrap REWRAPPED.tar
      server host: check and install rewrapped headers and replies (reads TESTIGO_DATA_DIR, TESTIGO_KEYS_DIR)
  keys drop-old-headers
      server host: delete the headers and replies kept from before \`import-rewrap\` (after checking the new keys)
  (--keys-dir defaults to $TESTIGO_KEYS_DIR, else keys/)
`;

const out = (text: string) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);

/** Positional arguments are validated with the options; their errors name them without "--". */
const POSITIONAL_NAMES = new Set(["name", "fingerprint"]);

function parseOptions<T extends z.ZodTypeAny>(schema: T, values: unknown): z.infer<T> {
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    const where = (key: string) => (POSITIONAL_NAMES.has(key) ? key.toUpperCase() : `--${key}`);
    throw new KeysError(parsed.error.issues.map((i) => (i.path.length > 0 ? `${where(i.path.join("."))}: ${i.message}` : i.message)).join("; "));
  }
  return parsed.data;
}

const KeysDirOption = z.string().min(1).default(() => defaultKeysDir());
const PathOption = (what: string) => z.string({ required_error: `${what} is required` }).min(1, `${what} is required`);

async function rootInitRoute(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { out: { type: "string" }, name: { type: "string" }, "passphrase-file": { type: "string" } },
  });
  const o = parseOptions(
    z.object({ out: PathOption("--out DIR"), name: z.string().min(1).max(200).default("Testigo root key"), "passphrase-file": z.string().optional() }),
    values,
  );
  const passphrase = await readNewPassphrase({ file: o["passphrase-file"], what: "root key" });
  const r = await rootInit({ out: o.out, name: o.name, passphrase });
  out(`root key created (Ed25519, certify and sign only, passphrase-protected)
  secret: ${r.secretFile}   keep offline; never copy it to the server or into the keys directory
  public: ${r.publicFile}   copy into the keys directory (or pass it to \`keys add --root\`)

root fingerprint (publish it where witnesses can compare it; pin it on the server):
  ${groupFingerprint(r.fingerprint)}
  TESTIGO_ROOT_FINGERPRINT=${r.fingerprint}`);
  return 0;
}

async function editorNewRoute(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { out: { type: "string" }, "passphrase-file": { type: "string" } },
  });
  const o = parseOptions(
    z.object({
      name: z.string({ required_error: "NAME is required" }).trim().min(1, "NAME is required").max(200),
      out: PathOption("--out DIR"),
      "passphrase-file": z.string().optional(),
    }),
    { ...values, name: positionals[0] },
  );
  if (positionals.length > 1) throw new KeysError("give the editor's NAME as one argument (quote it)");
  const passphrase = await readNewPassphrase({ file: o["passphrase-file"], what: "editor key" });
  const r = await editorNew({ name: o.name, out: o.out, passphrase });
  out(`editor key created for "${o.name}" (Ed25519 + Curve25519, passphrase-protected)
fingerprint: ${groupFingerprint(r.fingerprint)}
  public: ${r.publicFile}   give to security staff: testigo keys add ${r.publicFile} --label ...
  secret: ${r.secretFile}   the editor's offline machine only: gpg --import ${r.secretFile}`);
  return 0;
}

async function addRoute(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { label: { type: "string" }, "keys-dir": { type: "string" }, root: { type: "string" } },
  });
  if (positionals.length !== 1) throw new KeysError("give exactly one FILE.asc (an editor's public key)");
  const o = parseOptions(
    z.object({
      label: z
        .string({ required_error: "--label is required (who holds the key, e.g. \"Ana, investigations desk\")" })
        .trim()
        .min(1)
        .max(200)
        // The label is printed to staff terminals and served to witnesses' browsers.
        .refine((s) => !/\p{Cc}/u.test(s), "must not contain control characters"),
      "keys-dir": KeysDirOption,
      root: z.string().min(1).optional(),
    }),
    values,
  );
  const r = await addKey({ keysDir: o["keys-dir"], file: positionals[0]!, label: o.label, root: o.root });
  out(`added ${groupFingerprint(r.fingerprint)} "${o.label}" (encryption subkey ${r.encryptionKeyId.toUpperCase()})
keyring version ${r.version}${r.newKeyring ? " (new keyring)" : ""}: NOT SIGNED; review with \`testigo keys status\`, then \`testigo keys sign\``);
  for (const w of r.warnings) out(`warning: ${w}`);
  return 0;
}

async function retireRoute(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { "keys-dir": { type: "string" } } });
  if (positionals.length === 0) throw new KeysError("give the FINGERPRINT of the key to retire");
  const o = parseOptions(z.object({ fingerprint: FingerprintArg, "keys-dir": KeysDirOption }), { ...values, fingerprint: positionals.join("") });
  const r = await retireKey({ keysDir: o["keys-dir"], fingerprint: o.fingerprint });
  out(`retired ${groupFingerprint(r.fingerprint)} "${r.label}" on ${r.day}
keyring version ${r.version}: NOT SIGNED; new submissions stop being encrypted to it once you run \`testigo keys sign\``);
  return 0;
}

async function signRoute(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { "root-key": { type: "string" }, "keys-dir": { type: "string" }, "passphrase-file": { type: "string" } },
  });
  const o = parseOptions(
    z.object({ "root-key": PathOption("--root-key root-secret.asc"), "keys-dir": KeysDirOption, "passphrase-file": z.string().optional() }),
    values,
  );
  const r = await signKeyring({
    keysDir: o["keys-dir"],
    rootKeyFile: o["root-key"],
    passphrase: async () => {
      const fpr = (await readRootSecret(o["root-key"])).getFingerprint().toUpperCase();
      return readPassphrase({ file: o["passphrase-file"], prompt: `Passphrase for root key ${groupFingerprint(fpr)}: ` });
    },
  });
  out(`signed keyring version ${r.version}${r.previousVersion !== null ? ` (previous signed version ${r.previousVersion})` : ""} with root ${groupFingerprint(r.rootFingerprint)}
new submissions will be encrypted to ${r.activeKeys.length} key(s): ${r.activeKeys.map(groupFingerprint).join("; ")}`);
  for (const w of r.warnings) out(`warning: ${w}`);
  return 0;
}

async function verifyRoute(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { "keys-dir": { type: "string" }, "root-fingerprint": { type: "string" } } });
  const pinned = values["root-fingerprint"] ?? process.env.TESTIGO_ROOT_FINGERPRINT;
  const o = parseOptions(z.object({ "keys-dir": KeysDirOption, "root-fingerprint": FingerprintArg.optional() }), { ...values, "root-fingerprint": pinned });
  const r = await verifyKeysDir({ keysDir: o["keys-dir"], rootFingerprint: o["root-fingerprint"] });
  out(`OK: keyring version ${r.version}${r.demo ? " (DEMO)" : ""}, signed by root ${groupFingerprint(r.rootFingerprint)}${r.pinned ? " (matches the pinned fingerprint)" : ""}
active keys: ${r.active.map((k) => `"${k.label}" ${groupFingerprint(k.fingerprint)}`).join("; ")}`);
  for (const w of r.warnings) out(`warning: ${w}`);
  return 0;
}

async function statusRoute(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { "keys-dir": { type: "string" } } });
  const o = parseOptions(z.object({ "keys-dir": KeysDirOption }), values);
  out(formatStatus(await keysStatus({ keysDir: o["keys-dir"] })));
  return 0;
}

async function rewrapRoute(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      key: { type: "string", multiple: true },
      out: { type: "string" },
      "keys-dir": { type: "string" },
      "passphrase-file": { type: "string" },
      "root-fingerprint": { type: "string" },
    },
  });
  if (positionals.length !== 1) throw new KeysError("give exactly one HEADERS.tar (from `testigo export --headers-only`)");
  const o = parseOptions(
    z.object({
      key: z.array(z.string().min(1)).min(1, "--key OLD-SECRET.asc is required"),
      out: PathOption("--out REWRAPPED.tar"),
      "keys-dir": KeysDirOption,
      "passphrase-file": z.string().optional(),
      "root-fingerprint": FingerprintArg.optional(),
    }),
    { ...values, "root-fingerprint": values["root-fingerprint"] ?? process.env.TESTIGO_ROOT_FINGERPRINT },
  );
  const keys: PrivateKey[] = [];
  for (const file of o.key) {
    let key: PrivateKey;
    try {
      key = await readPrivateKey({ armoredKey: await readFile(file, "utf8"), config: pgpConfig });
    } catch (error) {
      throw new KeysError(`${file}: not a readable OpenPGP secret key (${errorMessage(error)})`);
    }
    if (!key.isDecrypted()) {
      const passphrase = await readPassphrase({ file: o["passphrase-file"], prompt: `Passphrase for ${path.basename(file)}: ` });
      key = await decryptKey({ privateKey: key, passphrase, config: pgpConfig });
    }
    keys.push(key);
  }
  const r = await rewrapHeaders({ input: positionals[0]!, out: o.out, keysDir: o["keys-dir"], keys, rootFingerprint: o["root-fingerprint"] });
  out(`rewrapped ${r.rewrapped} header(s) and manifest(s) to keyring version ${r.version}: ${o.out}
${r.alreadyCurrent} already encrypted to exactly the current keys (left out)
rewrapped ${r.repliesRewrapped} editor reply(ies) (the witness's session-key packet kept as it was); ${r.repliesAlreadyCurrent} already current (left out)
next, on the server: testigo keys import-rewrap ${path.basename(o.out)}`);
  for (const f of r.failures) out(`not rewrapped: ${f}`);
  return r.failures.length > 0 ? 2 : 0;
}

async function importRewrapRoute(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
  if (positionals.length !== 1) throw new KeysError("give exactly one REWRAPPED.tar (from `testigo keys rewrap`)");
  const r = await importRewrap({ file: positionals[0]! });
  for (const p of r.replaced) out(`replaced ${p}`);
  for (const p of r.unchanged) out(`already in place ${p}`);
  for (const p of r.refused) out(`REFUSED ${p}`);
  out(`${r.replaced.length} replaced, ${r.unchanged.length} already in place, ${r.refused.length} refused (keyring version ${r.version})
the previous headers are kept as <part>.pre-rewrap-<version>, and the previous replies in the database, until \`testigo keys drop-old-headers\``);
  return r.refused.length > 0 ? 2 : 0;
}

async function dropOldHeadersRoute(argv: string[]): Promise<number> {
  parseArgs({ args: argv, options: {} });
  const removed = await dropOldHeaders();
  for (const f of removed.files) out(`removed ${f}`);
  for (const r of removed.replies) out(`dropped the pre-rewrap copy of ${r}`);
  out(`removed ${removed.files.length} pre-rewrap header file(s) and the pre-rewrap copies of ${removed.replies.length} reply(ies)`);
  return 0;
}

const routes: Record<string, (argv: string[]) => Promise<number>> = {
  rewrap: rewrapRoute,
  "import-rewrap": importRewrapRoute,
  "drop-old-headers": dropOldHeadersRoute,
  "root init": rootInitRoute,
  "editor new": editorNewRoute,
  add: addRoute,
  retire: retireRoute,
  sign: signRoute,
  verify: verifyRoute,
  status: statusRoute,
};

export async function keysCommand(argv: string[]): Promise<number> {
  // A passphrase on argv is visible to every user (ps) and kept in shell history: never accept one.
  if (argv.some((a) => a === "--passphrase" || a.startsWith("--passphrase="))) {
    process.stderr.write("testigo keys: passphrases are never taken from the command line; use the prompt or --passphrase-file FILE\n");
    return 1;
  }
  const [first, second, ...rest] = argv;
  const two = `${first ?? ""} ${second ?? ""}`;
  const [name, args] = routes[two] ? [two, rest] : [first ?? "", argv.slice(1)];
  const route = routes[name];
  if (!route) {
    if (first === "--help" || first === "help") {
      process.stdout.write(`usage:\n${KEYS_USAGE}`);
      return 0;
    }
    process.stderr.write(`${first ? `testigo keys: unknown subcommand ${JSON.stringify(two.trim())}\n` : ""}usage:\n${KEYS_USAGE}`);
    return 1;
  }
  try {
    return await route(args);
  } catch (error) {
    process.stderr.write(`testigo keys ${name}: ${errorMessage(error)}\n`);
    return error instanceof KeysError ? error.exitCode : 1;
  }
}
