/**
 * `testigo <command>`: the program for editors (offline) and security staff.
 * Exit codes: 0 ok, 1 usage or runtime error, 2 verification found problems.
 */
import { decryptCommand } from "./decrypt/command";
import { EDITORS_USAGE, editorsCommand } from "./editors/command";
import { exportCommand } from "./export/command";
import { KEYS_USAGE, keysCommand } from "./keys/command";
import { REPLY_USAGE, replyCommand } from "./reply/command";

const USAGE = `usage: testigo <command> [options]

commands:
  decrypt BUNDLE|DIR... --key SECRET.asc --out DIR [--salvage] [--passphrase-file FILE]
          [--keys KEYS_DIR [--root-fingerprint FPR]]
      verify and decrypt submissions (export bundles, thread bundles with their follow-ups and
      replies, or folders of parts), offline; --keys checks the replies' signatures against the
      signed keys folder
${REPLY_USAGE}  export --out DIR [--since YYYY-MM-DD] [--headers-only]
      on the server host: write each sealed submission as a bundle (ciphertext only)
      (--headers-only: one small file of headers and manifests, for testigo keys rewrap)
${KEYS_USAGE}${EDITORS_USAGE}`;

const commands: Record<string, (argv: string[]) => Promise<number>> = {
  decrypt: decryptCommand,
  reply: replyCommand,
  export: exportCommand,
  keys: keysCommand,
  editors: editorsCommand,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "help") {
    process.stdout.write(USAGE);
    return name ? 0 : 1;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`testigo: unknown command ${JSON.stringify(name)}\n${USAGE}`);
    return 1;
  }
  try {
    return await command(rest);
  } catch (error) {
    process.stderr.write(`testigo ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
