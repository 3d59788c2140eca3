/**
 * Passphrases come from a prompt on the terminal (not echoed) or from --passphrase-file for
 * scripts; never from argv, where other users and shell history would see them.
 */
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { Writable } from "node:stream";

export async function readPassphrase(options: { file?: string; prompt: string }): Promise<string> {
  if (options.file) {
    const text = await readFile(options.file, "utf8");
    return text.replace(/\r?\n$/, "");
  }
  if (!process.stdin.isTTY) throw new Error("no terminal to ask for the passphrase; use --passphrase-file");
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _enc, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  try {
    return await new Promise<string>((resolve) => {
      rl.question(options.prompt, (answer) => {
        process.stderr.write("\n");
        resolve(answer);
      });
      muted = true;
    });
  } finally {
    rl.close();
  }
}
