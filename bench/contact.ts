/**
 * Two-way contact in the witness's browser (docs/adr/0006, 0007): what a witness waits for when
 * making a codename and at every visit, in headless Chromium, Firefox ESR, and Firefox ESR with
 * Tor Browser's "Safer" prefs (no JIT: what many witnesses run).
 *   (a) deriveCodenameSecrets: the scrypt every visit pays;
 *   (b) solveChallenge: its hash rate (Web Crypto batches, and the pure-JS fallback beside it) and
 *       the expected time of a 14-bit (default base), 18-bit and 20-bit (default ceiling) puzzle,
 *       as 2^bits / rate: the rate is measured, 20-bit puzzles are never run;
 *   (c) createWitnessKey: the OpenPGP key pair made once, with the codename.
 * The code reaches the page as an esbuild bundle served from 127.0.0.1 (a secure context, so
 * Firefox exposes crypto.subtle) with a CSP as strict as the witness pages' (no eval, no WASM,
 * scripts from 'self' only), so what runs is what the portal can run. Figures only, never
 * pass/fail; the goals are printed beside them.
 */
import { z } from "zod";
import { closeFirefox, launchChromium, launchFirefox } from "../tests/support/browsers";
import { Cleanup, bundleForBrowser, fmt, serveLoopback } from "./browser/support";


/** Goals (ADR 0006/0007), on this project's 2-core VM in Tor Browser "Safer". Reported, never asserted. */
const DERIVE_GOAL_S = 5;
const PUZZLE_20_GOAL_S = 30;

/**
 * The page side, bundled from source text so the bench adds no file the app could ever serve.
 * Every function returns plain JSON; the Node side validates it and trusts nothing typed here.
 */
const PAGE_ENTRY = `
import { deriveCodenameSecrets } from "./app/codename/derive";
import { solveChallenge } from "./app/codename/pow";
import { createWitnessKey } from "./app/codename/witness-key";

function randomHex(bytes) {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function derive() {
  const start = performance.now();
  await deriveCodenameSecrets("abaco pared lluvia mesa campo río tarde " + randomHex(4));
  return { ms: performance.now() - start };
}

/**
 * Fresh random challenges (shaped like the server's, 74 hex) solved one after another until the
 * budget is spent. Hashes counted are nonce + 1 per puzzle: the nonces a witness's page walks
 * through, so 2^bits / rate is the expected wait.
 */
async function solve(engine, bits, budgetMs) {
  let hashes = 0;
  let puzzles = 0;
  const start = performance.now();
  do {
    const nonce = await solveChallenge(randomHex(37), bits, { engine });
    hashes += Number(nonce) + 1;
    puzzles++;
  } while (performance.now() - start < budgetMs);
  return { ms: performance.now() - start, hashes, puzzles };
}

/**
 * Key pairs made one after another until the budget is spent, the mean returned: under
 * resistFingerprinting (Tor Browser) performance.now() is coarse (tens of ms), longer than one key.
 */
async function witnessKey(budgetMs) {
  let keys = 0;
  const start = performance.now();
  do {
    await createWitnessKey(randomHex(32));
    keys++;
  } while (performance.now() - start < budgetMs);
  return { ms: (performance.now() - start) / keys, keys };
}

globalThis.testigoContactBench = { derive, solve, witnessKey, subtle: typeof globalThis.crypto?.subtle?.digest === "function" };
`;

const Timed = z.object({ ms: z.number() });
const Keys = z.object({ ms: z.number(), keys: z.number() });
const Solved = z.object({ ms: z.number(), hashes: z.number(), puzzles: z.number() });

/** The one thing the bench needs from either driver: evaluate an expression, await its value. */
type Evaluate = (expression: string) => Promise<unknown>;

interface BrowserRun {
  name: string;
  open(url: string, cleanup: Cleanup): Promise<Evaluate>;
}

const BROWSERS: BrowserRun[] = [
  {
    name: "Chromium",
    async open(url, cleanup) {
      const browser = await launchChromium();
      cleanup.add(() => browser.close());
      const page = await browser.newPage();
      await page.goto(url);
      return (expression) => page.evaluate(expression);
    },
  },
  ...[false, true].map(
    (torBrowserSafer): BrowserRun => ({
      name: torBrowserSafer ? 'Firefox ESR, Tor Browser "Safer" prefs (no JIT)' : "Firefox ESR",
      async open(url, cleanup) {
        const browser = await launchFirefox({ torBrowserSafer });
        cleanup.add(() => closeFirefox(browser));
        const page = await browser.newPage();
        await page.goto(url);
        return (expression) => page.evaluate(expression);
      },
    }),
  ),
];

async function waitForBundle(evaluate: Evaluate): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    const subtle: unknown = await evaluate("typeof testigoContactBench === 'object' ? testigoContactBench.subtle : null");
    if (typeof subtle === "boolean") return subtle;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("the bench bundle did not load (CSP or script error?)");
}

export async function benchContact(options: { quick: boolean }): Promise<string[]> {
  const cleanup = new Cleanup();
  const { quick } = options;
  // Budgets per figure: quick keeps the whole bench to about a minute over three browsers.
  const solveBudgetMs = quick ? 1500 : 8000;
  const nobleBudgetMs = quick ? 1000 : 4000;
  const derives = quick ? 1 : 3;
  const keyBudgetMs = quick ? 1000 : 4000;
  try {
    const script = await bundleForBrowser({ contents: PAGE_ENTRY, name: "contact-bench-entry.js" });
    const html = '<!doctype html><meta charset="utf-8"><title>testigo contact bench</title><script src="/bench.js"></script>';
    const server = await serveLoopback((req, res) => {
      const body = req.url === "/bench.js" ? script : req.url === "/" ? html : null;
      if (body === null) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, {
        "Content-Type": req.url === "/" ? "text/html; charset=utf-8" : "text/javascript; charset=utf-8",
        "Cache-Control": "no-store",
        // As strict as the witness pages where it matters: no eval, no WASM, no workers.
        "Content-Security-Policy": "default-src 'none'; script-src 'self'; worker-src 'none'",
      });
      res.end(body);
    });
    cleanup.add(() => server.close());

    const lines = [
      `contact (codename and login) in the browser: ${quick ? "quick" : "full"} run; expected puzzle time = 2^bits / measured rate (20-bit puzzles are not run)`,
    ];
    for (const run of BROWSERS) {
      const perBrowser = new Cleanup();
      try {
        const evaluate = await run.open(`${server.url}/`, perBrowser);
        const subtle = await waitForBundle(evaluate);
        const call = async <T>(schema: z.ZodType<T>, expression: string): Promise<T> => schema.parse(await evaluate(expression));
        // Warm-up: first-call costs (JIT where there is one, module init) out of the figures.
        await call(Solved, `testigoContactBench.solve("auto", 8, 0)`);

        const deriveMs: number[] = [];
        for (let i = 0; i < derives; i++) deriveMs.push((await call(Timed, "testigoContactBench.derive()")).ms);
        const solved = await call(Solved, `testigoContactBench.solve("auto", 14, ${solveBudgetMs})`);
        const noble = await call(Solved, `testigoContactBench.solve("noble", 10, ${nobleBudgetMs})`);
        const key = await call(Keys, `testigoContactBench.witnessKey(${keyBudgetMs})`);

        const rate = solved.hashes / (solved.ms / 1000);
        const nobleRate = noble.hashes / (noble.ms / 1000);
        const expectedS = (bits: number) => 2 ** bits / rate;
        const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
        const deriveS = median(deriveMs) / 1000;
        const safer = run.name.includes("Safer");
        const goal = (text: string) => (safer ? `   (goal ${text} here)` : "");
        lines.push(
          `  ${run.name}: crypto.subtle ${subtle ? "present" : "MISSING (pure-JS fallback)"}`,
          `    deriveCodenameSecrets (scrypt N=2^15): ${fmt(deriveS, 2)} s (median of ${derives})${goal(`<= ${DERIVE_GOAL_S} s`)}`,
          `    solveChallenge rate: ${fmt(rate / 1000)} k hashes/s (${solved.puzzles} 14-bit puzzles in ${fmt(solved.ms / 1000, 1)} s, mean ${fmt(solved.ms / solved.puzzles / 1000, 2)} s each);` +
            ` pure-JS fallback ${fmt(nobleRate / 1000)} k/s (x${fmt(rate / nobleRate, 1)})`,
          `    expected puzzle time: 14 bits (default base) ${fmt(expectedS(14), 2)} s; 18 bits ${fmt(expectedS(18), 2)} s;` +
            ` 20 bits (default ceiling) ${fmt(expectedS(20), 1)} s${goal(`<= ${PUZZLE_20_GOAL_S} s`)}`,
          `    createWitnessKey: ${fmt(key.ms, 0)} ms (mean of ${key.keys})`,
        );
      } catch (error) {
        lines.push(`  ${run.name}: FAILED: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        await perBrowser.run();
      }
    }
    return lines;
  } finally {
    await cleanup.run();
  }
}
