/**
 * `npm run bench`: every benchmark, figures printed with their goals beside them. Never pass/fail.
 * BENCH_QUICK=1 shrinks the sizes (for a smoke run); the README's figures are from a full run.
 * Each benchmark's lines are printed as soon as it finishes: a full run takes minutes.
 * BENCH_ONLY=contact,decrypt (names below) runs only those.
 */
import os from "node:os";
import { benchBrowserE2e } from "./browser-e2e";
import { benchBrowserEncrypt } from "./browser-encrypt";
import { benchContact } from "./contact";
import { benchServerIngest } from "./server-ingest";

const quick = process.env.BENCH_QUICK === "1";
const MiB = 1024 * 1024;

/** The 1-minute load average: on a shared 2-core machine, other work skews every figure. */
const load = () => os.loadavg()[0]!.toFixed(1);

console.log(
  `testigo bench (${quick ? "quick" : "full"}), ${new Date().toISOString().slice(0, 10)}, node ${process.version}, ` +
    `${os.cpus().length} cores, load average ${load()} at start`,
);
const only = new Set((process.env.BENCH_ONLY ?? "").split(",").map((name) => name.trim()).filter((name) => name !== ""));
const selected = (name: string) => only.size === 0 || only.has(name);

if (selected("ingest")) console.log((await benchServerIngest({ clients: quick ? 4 : 32, bytesPerClient: (quick ? 8 : 64) * MiB })).join("\n"));
if (selected("encrypt")) console.log((await benchBrowserEncrypt({ bytes: (quick ? 16 : 256) * MiB })).join("\n"));
if (selected("e2e")) console.log((await benchBrowserE2e({ bytes: (quick ? 16 : 256) * MiB })).join("\n"));
if (selected("decrypt")) console.log((await (await import("./decrypt")).benchDecrypt({ bytes: (quick ? 64 : 1024) * MiB })).join("\n"));
if (selected("contact")) console.log((await benchContact({ quick })).join("\n"));
console.log(`load average ${load()} at end`);
