/**
 * `testigo editors add|list|disable|enable|reset-2fa|audit` on the server host. Reads
 * TESTIGO_DATA_DIR like the server and opens the same SQLite database (safe while the server runs:
 * WAL, busy timeout); changes take effect at the server's next request, sessions included.
 * Passwords come from a prompt (asked twice) or --password-file; never from argv.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import QRCode from "qrcode";
import { z } from "zod";
import { loadConfig } from "../../server/config";
import { AccountExists, EditorAccounts, EditorNameSchema } from "../../server/editors/accounts";
import { AuditLog } from "../../server/editors/audit";
import { hashPassword, passwordProblem } from "../../server/editors/passwords";
import { enrolmentUri, newTotpSecret } from "../../server/editors/totp";
import { openDb, type Db } from "../../server/storage/db";
import { readPassphrase } from "../passphrase";

export const EDITORS_USAGE = `  editors add NAME [--password-file FILE]
      on the server host: create an editor account; prints the one-time TOTP enrolment
  editors list | disable NAME | enable NAME | reset-2fa NAME | set-password NAME [--password-file FILE]
      list accounts; disable one; new TOTP secret (printed once); new password (each ends the
      editor's sessions)
  editors audit [--limit N]
      the editors' audit log, newest first
`;

class UsageError extends Error {
  override name = "UsageError";
}

function withDb<T>(task: (db: Db) => Promise<T>): Promise<T> {
  const loaded = loadConfig();
  if (!loaded.ok) throw new Error(loaded.message);
  const db = openDb(path.join(loaded.config.dataDir, "testigo.sqlite"));
  return task(db).finally(() => db.close());
}

function nameArgument(positionals: string[]): string {
  const [name, ...extra] = positionals;
  if (name === undefined || extra.length > 0) throw new UsageError("expected exactly one NAME");
  const parsed = EditorNameSchema.safeParse(name);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join("; "));
  return parsed.data;
}

async function readNewPassword(file: string | undefined, prompt = "Password for the new editor account: "): Promise<string> {
  if (file === undefined && !process.stdin.isTTY) throw new UsageError("no terminal to ask for the password; use --password-file FILE");
  const password = await readPassphrase({ file, prompt });
  const problem = passwordProblem(password);
  if (problem) throw new UsageError(problem);
  if (file === undefined) {
    const again = await readPassphrase({ file: undefined, prompt: "Repeat it: " });
    if (again !== password) throw new UsageError("the two passwords differ; nothing was changed");
  }
  return password;
}

/** Shown once: the server never shows the secret again. */
async function printEnrolment(name: string, secret: string): Promise<void> {
  const uri = enrolmentUri(name, secret);
  const qr = await QRCode.toString(uri, { type: "terminal", small: true, errorCorrectionLevel: "M" });
  process.stdout.write(
    [
      `Two-factor enrolment for ${name} (shown once; anyone who sees it can make this editor's codes):`,
      "",
      "Scan this with an authenticator app (Aegis, FreeOTP, Google Authenticator, KeePassXC):",
      qr,
      `or type the secret by hand: ${secret.replace(/(.{4})/g, "$1 ").trim()}`,
      "(TOTP, SHA-1, 6 digits, 30 seconds)",
      `or import this URI: ${uri}`,
      "",
      "Clear this terminal's scrollback when done.",
      "",
    ].join("\n"),
  );
}

async function add(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { "password-file": { type: "string" } } });
  const name = nameArgument(positionals);
  const password = await readNewPassword(values["password-file"]);
  const passwordHash = await hashPassword(password);
  const secret = newTotpSecret();
  await withDb(async (db) => {
    try {
      new EditorAccounts(db).create(name, passwordHash, secret);
    } catch (error) {
      if (error instanceof AccountExists) throw new UsageError(error.message);
      throw error;
    }
  });
  process.stdout.write(`editor ${name} created\n\n`);
  await printEnrolment(name, secret);
  return 0;
}

async function list(argv: string[]): Promise<number> {
  parseArgs({ args: argv, options: {} });
  const editors = await withDb(async (db) => new EditorAccounts(db).list());
  if (editors.length === 0) {
    process.stdout.write("no editor accounts; create one with `testigo editors add NAME`\n");
    return 0;
  }
  for (const e of editors) {
    process.stdout.write(`${e.name}\t${e.disabled ? "disabled" : "active"}\tcreated ${e.createdDay}\t${e.sessions} session(s)\n`);
  }
  return 0;
}

function setDisabled(disabled: boolean) {
  return async (argv: string[]): Promise<number> => {
    const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
    const name = nameArgument(positionals);
    const found = await withDb(async (db) => new EditorAccounts(db).setDisabled(name, disabled));
    if (!found) throw new UsageError(`no editor named ${name}`);
    process.stdout.write(disabled ? `editor ${name} disabled; their sessions have ended\n` : `editor ${name} enabled\n`);
    return 0;
  };
}

async function resetTwoFactor(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
  const name = nameArgument(positionals);
  const secret = newTotpSecret();
  const found = await withDb(async (db) => new EditorAccounts(db).resetTotp(name, secret));
  if (!found) throw new UsageError(`no editor named ${name}`);
  process.stdout.write(`new two-factor secret for ${name}; the old one no longer works and their sessions have ended\n\n`);
  await printEnrolment(name, secret);
  return 0;
}

async function setPassword(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { "password-file": { type: "string" } } });
  const name = nameArgument(positionals);
  const exists = await withDb(async (db) => new EditorAccounts(db).byName(name) !== null);
  if (!exists) throw new UsageError(`no editor named ${name}`);
  const passwordHash = await hashPassword(await readNewPassword(values["password-file"], `New password for ${name}: `));
  const found = await withDb(async (db) => new EditorAccounts(db).setPasswordHash(name, passwordHash));
  if (!found) throw new UsageError(`no editor named ${name}`);
  process.stdout.write(`new password set for ${name}; their sessions have ended\n`);
  return 0;
}

const Limit = z.coerce.number().int().min(1).max(100_000).default(100);

async function audit(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { limit: { type: "string" } } });
  const limit = Limit.safeParse(values.limit);
  if (!limit.success) throw new UsageError("--limit must be a whole number from 1 to 100000");
  const lines = await withDb(async (db) => new AuditLog(db).recent(limit.data));
  for (const l of lines) process.stdout.write(`${l.day}\t${l.editor ?? "-"}\t${l.action}${l.submissionId ? `\t${l.submissionId}` : ""}\n`);
  return 0;
}

const subcommands: Record<string, (argv: string[]) => Promise<number>> = {
  add,
  list,
  disable: setDisabled(true),
  enable: setDisabled(false),
  "reset-2fa": resetTwoFactor,
  "set-password": setPassword,
  audit,
};

export async function editorsCommand(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const sub = name === undefined ? undefined : subcommands[name];
  if (!sub) {
    process.stderr.write(`usage:\n${EDITORS_USAGE}`);
    return 1;
  }
  try {
    return await sub(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`testigo editors ${name}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
