/**
 * `npm run bench`: every benchmark, figures printed with their goals beside them. Never pass/fail.
 * BENCH_QUICK=1 shrinks the sizes (for a smoke run); the README's figures are from a full run.
 * Each benchmark's lines are printed as soon as it finishes: a full run takes minutes.
 */
import os from "node:os";
import { benchBrowserE2e } from "./browser-e2e";
import { benchBrowserEncrypt } from "./browser-encrypt";
import { benchServerIngest } from "./server-ingest";

const quick = process.env.BENCH_QUICK === "1";
const MiB = 1024 * 1024;

/** The 1-minute load average: on a shared 2-core machine, other work skews every figure. */
const load = () => os.loadavg()[0]!.toFixed(1);

console.log(
  `testigo bench (${quick ? "quick" : "full"}), ${new Date().toISOString().slice(0, 10)}, node ${process.version}, ` +
    `${os.cpus().length} cores, load average ${load()} at start`,
);
console.log((await benchServerIngest({ clients: quick ? 4 : 32, bytesPerClient: (quick ? 8 : 64) * MiB })).join("\n"));
console.log((await benchBrowserEncrypt({ bytes: (quick ? 16 : 256) * MiB })).join("\n"));
console.log((await benchBrowserE2e({ bytes: (quick ? 16 : 256) * MiB })).join("\n"));
console.log((await (await import("./decrypt")).benchDecrypt({ bytes: (quick ? 64 : 1024) * MiB })).join("\n"));
console.log(`load average ${load()} at end`);
