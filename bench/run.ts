/**
 * `npm run bench`: every benchmark, figures printed with their goals beside them. Never pass/fail.
 * BENCH_QUICK=1 shrinks the sizes (for a smoke run); the README's figures are from a full run.
 */
import { benchServerIngest } from "./server-ingest";

const quick = process.env.BENCH_QUICK === "1";
const MiB = 1024 * 1024;

const lines: string[] = [`testigo bench (${quick ? "quick" : "full"}), ${new Date().toISOString().slice(0, 10)}, node ${process.version}`];
lines.push(...(await benchServerIngest({ clients: quick ? 4 : 32, bytesPerClient: (quick ? 8 : 64) * MiB })));
console.log(lines.join("\n"));
