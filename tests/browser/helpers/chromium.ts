/**
 * Chromium (playwright-core) side of the browser tests: a recorder for everything a context's
 * pages send and receive, a CSP violation watch that does not weaken the policy, and the witness's
 * steps on /submit.
 */
import type { BrowserContext, Page, Request, Response } from "playwright-core";
import { collectTraces, type BrowserTraces } from "./traces";

export interface SentRequest {
  url: string;
  method: string;
  /** allHeaders(): what the network stack sent, cookies included. */
  headers: Record<string, string>;
  /** The body as sent (Playwright gives whole bodies, also for 2 MiB chunks). */
  body: Buffer | null;
  failure: string | null;
}

export interface ReceivedResponse {
  url: string;
  method: string;
  status: number;
  headers: Record<string, string>;
  /** The JSON of API answers (null for anything else). */
  json: unknown;
}

export interface Recorder {
  requests: SentRequest[];
  responses: ReceivedResponse[];
  console: { type: string; text: string; url: string }[];
  pageErrors: string[];
  cspViolations: string[];
  /** Waits for the asynchronous parts (headers, bodies of answers) of everything seen so far. */
  settle(): Promise<void>;
}

const BINDING = "__testigoTestCspViolation";

/**
 * Records every request and response of every page in the context, console messages, uncaught
 * errors and CSP violations. The violation listener comes from an init script and reports through
 * a CDP binding: both are injected by the browser, not by the page, so the portal's CSP stays as
 * strict as it is (no bypassCSP, no inline script allowed).
 */
export async function record(context: BrowserContext): Promise<Recorder> {
  const pending: Promise<unknown>[] = [];
  const recorder: Recorder = {
    requests: [],
    responses: [],
    console: [],
    pageErrors: [],
    cspViolations: [],
    async settle() {
      // Handlers may add more work while we wait; loop until nothing new arrived.
      for (let seen = -1; seen !== pending.length; ) {
        seen = pending.length;
        await Promise.allSettled(pending);
      }
    },
  };
  const byRequest = new Map<Request, SentRequest>();
  context.on("request", (request) => {
    const entry: SentRequest = { url: request.url(), method: request.method(), headers: request.headers(), body: request.postDataBuffer(), failure: null };
    byRequest.set(request, entry);
    recorder.requests.push(entry);
    pending.push(
      request.allHeaders().then(
        (headers) => void (entry.headers = headers),
        () => undefined,
      ),
    );
  });
  context.on("requestfailed", (request) => {
    const entry = byRequest.get(request);
    if (entry) entry.failure = request.failure()?.errorText ?? "failed";
  });
  context.on("response", (response) => pending.push(recordResponse(recorder, response)));
  context.on("console", (message) => {
    recorder.console.push({ type: message.type(), text: message.text(), url: message.location().url });
  });
  context.on("weberror", (error) => recorder.pageErrors.push(String(error.error())));
  await context.exposeBinding(BINDING, (_source, detail: unknown) => {
    recorder.cspViolations.push(typeof detail === "string" ? detail : JSON.stringify(detail));
  });
  await context.addInitScript(`(() => {
    const report = (e) => {
      const send = window[${JSON.stringify(BINDING)}];
      if (typeof send === "function") send(e.violatedDirective + " blocked " + e.blockedURI + " on " + e.documentURI);
    };
    document.addEventListener("securitypolicyviolation", report, true);
  })();`);
  return recorder;
}

async function recordResponse(recorder: Recorder, response: Response): Promise<void> {
  const request = response.request();
  const entry: ReceivedResponse = { url: response.url(), method: request.method(), status: response.status(), headers: {}, json: null };
  recorder.responses.push(entry);
  entry.headers = await response.allHeaders();
  if (new URL(entry.url).pathname.startsWith("/api/")) {
    try {
      entry.json = await response.json();
    } catch {
      // A response whose body is gone (the page moved on) or is not JSON: the status still counts.
    }
  }
}

/** The witness's report and files go in, then "Send"; resolves once the engine has started. */
export async function fillAndSend(page: Page, input: { report: Partial<Record<"what" | "where" | "when" | "who", string>>; files: readonly string[] }): Promise<void> {
  // fill() waits until the field is enabled, that is until the page's JavaScript has taken over.
  for (const [key, value] of Object.entries(input.report)) await page.getByTestId(`report-${key}`).fill(value);
  if (input.files.length > 0) {
    await page.getByTestId("file-input").setInputFiles([...input.files]);
    await page.locator(".file-list__item").nth(input.files.length - 1).waitFor();
  }
  await page.getByTestId("submit").click();
}

/** Waits for the receipt; a failed submission ends the wait at once, with the page's error text. */
export async function waitForReceipt(page: Page, timeoutMs: number): Promise<string[]> {
  const outcome = page.locator('[data-testid="receipt"], [data-testid="error"]').first();
  await outcome.waitFor({ timeout: timeoutMs });
  if ((await outcome.getAttribute("data-testid")) === "error") {
    throw new Error(`the submission failed: ${await outcome.innerText()}`);
  }
  return (await page.getByTestId("receipt-sha256").allTextContents()).map((s) => s.trim());
}

/** Waits until the status line's text matches. */
export async function waitForStatus(page: Page, pattern: RegExp, timeoutMs: number): Promise<string> {
  const status = page.getByTestId("status").filter({ hasText: pattern });
  await status.waitFor({ timeout: timeoutMs });
  return (await status.innerText()).trim();
}

/** What the page's origin left in this browser: storage, databases, workers, caches, cookies. */
export async function browserTraces(page: Page): Promise<BrowserTraces> {
  return page.evaluate(collectTraces);
}
