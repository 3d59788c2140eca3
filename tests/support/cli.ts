/**
 * Runs `node bin/testigo.js ARGS` the way an operator would, with every network call made fatal
 * (tests/support/forbid-network.mjs): the offline commands must never reach the network. A
 * non-zero exit is an answer to assert on, not an exception.
 */
import { execFile } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { ROOT } from "./portal";

export const CLI = path.join(ROOT, "bin/testigo.js");
export const NO_NET = path.join(ROOT, "tests/support/forbid-network.mjs");

const execFileAsync = promisify(execFile);

export async function runTestigo(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, ["--import", NO_NET, CLI, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: os.tmpdir(), NODE_ENV: "test", ...env },
    });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    if (error instanceof Error && "code" in error && typeof error.code === "number") {
      const out = ("stdout" in error ? String(error.stdout) : "") + ("stderr" in error ? String(error.stderr) : "");
      return { code: error.code, out };
    }
    throw error;
  }
}
