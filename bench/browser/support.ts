/**
 * Helpers the browser benchmarks share: a loopback HTTP server that is always closed, a cleanup
 * stack so every server, browser and temp file is released even when a step throws, and the
 * units the figures are printed in.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * The project's browser code as one script for a bench page: an entry file, or entry source
 * resolved from the repository root. Minified like the Remix production build, so the engines
 * see comparable code.
 */
export async function bundleForBrowser(entry: { file: string } | { contents: string; name: string }): Promise<string> {
  const result = await build({
    absWorkingDir: ROOT,
    ...("file" in entry ? { entryPoints: [entry.file] } : { stdin: { contents: entry.contents, resolveDir: ROOT, loader: "js", sourcefile: entry.name } }),
    outfile: "bench.js",
    write: false,
    bundle: true,
    platform: "browser",
    format: "iife",
    conditions: ["browser"],
    target: "es2022",
    minify: true,
    logLevel: "silent",
  });
  const bundle = result.outputFiles[0];
  if (!bundle) throw new Error("esbuild produced no bundle");
  return bundle.text;
}

/** Rates and memory are printed in MB (10^6 bytes), the unit the goals are stated in. */
export const MB = 1_000_000;
export const MiB = 1024 * 1024;

export function mbps(bytes: number, ms: number): number {
  return bytes / MB / (ms / 1000);
}

export function fmt(value: number, digits = 1): string {
  return value.toFixed(digits);
}

export interface LoopbackServer {
  url: string;
  close(): Promise<void>;
}

/** node:http on 127.0.0.1, an ephemeral port: a secure context for Web Crypto, and nothing leaves the host. */
export async function serveLoopback(
  handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>,
): Promise<LoopbackServer> {
  const server = createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("loopback server: no TCP address");
  const { port }: AddressInfo = address;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        // A browser keeps connections alive; without this close() would wait for them to time out.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Last in, first out, like `finally` blocks; one failing cleanup does not skip the others. */
export class Cleanup {
  private readonly steps: (() => Promise<unknown> | unknown)[] = [];

  add(step: () => Promise<unknown> | unknown): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    const errors: unknown[] = [];
    for (const step of this.steps.reverse()) {
      try {
        await step();
      } catch (error) {
        errors.push(error);
      }
    }
    this.steps.length = 0;
    if (errors.length > 0) console.warn(`bench cleanup: ${errors.map(String).join("; ")}`);
  }
}
