/**
 * One attempt at each call of the witness upload API (DESIGN.md, "Witness HTTP API"), its answer
 * sorted into ok / retry / fatal. Retrying is the caller's business; this module only classifies.
 */
import { z } from "zod";
import type { SealRequest, SubmissionId } from "~/envelope/format";
import { KeyringBundleSchema, type KeyringBundle } from "~/keyring/document";
import { SubmitError, isAbortError } from "./errors";

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export type Outcome<T> =
  | { kind: "ok"; value: T }
  | { kind: "retry"; reason: string; network?: boolean }
  | { kind: "fatal"; error: SubmitError };

const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

// The part's name comes back as `name` (server/storage) or `part` (the API brief); only the hash
// matters, and it is checked by the caller.
const PartAckSchema = z.object({ size: z.number(), sha256: Sha256Hex });
export type PartAck = z.infer<typeof PartAckSchema>;

const SubmissionStatusSchema = z.object({
  id: z.string(),
  sealed: z.boolean(),
  parts: z.array(z.object({ name: z.string(), size: z.number(), sha256: Sha256Hex })),
});
export interface SubmissionStatus {
  sealed: boolean;
  /** Part name → SHA-256 of the bytes the server holds. */
  parts: ReadonlyMap<string, string>;
}

const SealAckSchema = z.object({ sealed: z.literal(true) });

const ErrorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export interface ApiOptions {
  fetch: FetchLike;
  /** Origin (or prefix) of the API; "" in the browser, where relative URLs are what we want. */
  baseUrl: string;
  /** Give up on one request after this long without an answer (then it is retried). */
  timeoutMs: (bodyBytes: number) => number;
}

/**
 * Generous: a 2 MiB chunk over a link shared by three uploads at ~2 KB/s each still fits. Its job
 * is only to unstick a connection that died without the browser noticing.
 */
export function defaultTimeoutMs(bodyBytes: number): number {
  return 90_000 + Math.ceil(bodyBytes / 2);
}

export const retry = (reason: string) => ({ kind: "retry", reason }) as const;
export const fatal = (error: SubmitError) => ({ kind: "fatal", error }) as const;

export async function serverMessage(response: Response): Promise<string> {
  try {
    const parsed = ErrorBodySchema.safeParse(await response.json());
    if (parsed.success) return parsed.data.error.message;
  } catch {
    // Not JSON: a proxy's page, say. The status line is all there is to show.
  }
  return `HTTP ${response.status} ${response.statusText}`.trim();
}

export async function jsonBody(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}

/** Network trouble, overload and server hiccups are worth another try; the rest is not. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status !== 507);
}

export async function classifyFailure(response: Response, what: string): Promise<Outcome<never>> {
  if (isRetryableStatus(response.status)) {
    // Read to its end even so: an unread body keeps the request open in the browser.
    await response.arrayBuffer().catch(() => undefined);
    return retry(`${what}: HTTP ${response.status}`);
  }
  const message = await serverMessage(response);
  switch (response.status) {
    case 507:
      return fatal(new SubmitError("server-full", `${what}: server full (507): ${message}`, message));
    case 409:
      return fatal(new SubmitError("conflict", `${what}: conflict (409): ${message}`, message));
    default:
      return fatal(new SubmitError("rejected", `${what}: refused (${response.status}): ${message}`, message));
  }
}

/**
 * One request with its own deadline. An abort by the caller propagates; a timeout or a network
 * error becomes a retry, since the request may or may not have reached the server.
 */
export async function attempt<T>(
  options: ApiOptions,
  what: string,
  path: string,
  init: RequestInit,
  bodyBytes: number,
  signal: AbortSignal,
  onResponse: (response: Response) => Promise<Outcome<T>>,
): Promise<Outcome<T>> {
  signal.throwIfAborted();
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  const timer = setTimeout(() => controller.abort(new DOMException("timed out", "TimeoutError")), options.timeoutMs(bodyBytes));
  try {
    const response = await options.fetch(`${options.baseUrl}/api/v1${path}`, {
      ...init,
      signal: controller.signal,
      cache: "no-store",
      credentials: "same-origin",
      referrerPolicy: "no-referrer",
    });
    return await onResponse(response);
  } catch (error) {
    signal.throwIfAborted();
    if (error instanceof SubmitError) return fatal(error);
    // No answer at all: the link (not the server) is the likely cause; the retrier probes sooner.
    const reason = `${what}: ${isAbortError(error) ? "timed out" : error instanceof Error ? error.message : String(error)}`;
    return { kind: "retry", reason, network: true };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
  }
}

export interface SubmissionApi {
  getKeyring(signal: AbortSignal): Promise<Outcome<KeyringBundle>>;
  putPart(id: SubmissionId, name: string, bytes: Uint8Array, signal: AbortSignal): Promise<Outcome<PartAck>>;
  /** A submission the server has never heard of is an empty one, not an error. */
  getSubmission(id: SubmissionId, signal: AbortSignal): Promise<Outcome<SubmissionStatus>>;
  seal(id: SubmissionId, body: SealRequest, signal: AbortSignal): Promise<Outcome<true>>;
}

export function createSubmissionApi(options: ApiOptions): SubmissionApi {
  return {
    getKeyring: (signal) =>
      attempt(options, "keyring", "/keyring", { method: "GET" }, 0, signal, async (response) => {
        if (!response.ok) {
          if (isRetryableStatus(response.status)) return retry(`keyring: HTTP ${response.status}`);
          const message = await serverMessage(response);
          return fatal(new SubmitError("keyring-unavailable", `keyring: HTTP ${response.status}: ${message}`, message));
        }
        const parsed = KeyringBundleSchema.safeParse(await jsonBody(response));
        if (!parsed.success) {
          return fatal(new SubmitError("keyring-invalid", "keyring: the server's answer is not a keyring bundle", null));
        }
        return { kind: "ok", value: parsed.data };
      }),

    putPart: (id, name, bytes, signal) =>
      attempt(
        options,
        `part ${name}`,
        `/submissions/${id}/parts/${name}`,
        { method: "PUT", headers: { "Content-Type": "application/octet-stream" }, body: asBody(bytes) },
        bytes.length,
        signal,
        async (response) => {
          if (response.status !== 200 && response.status !== 201) return classifyFailure(response, `part ${name}`);
          const parsed = PartAckSchema.safeParse(await jsonBody(response));
          // A 2xx we cannot read may come from a middlebox, not our server: ask again, believe nothing.
          if (!parsed.success) return retry(`part ${name}: unreadable acknowledgement`);
          return { kind: "ok", value: parsed.data };
        },
      ),

    getSubmission: (id, signal) =>
      attempt(options, "status", `/submissions/${id}`, { method: "GET" }, 0, signal, async (response) => {
        if (response.status === 404) {
          await jsonBody(response);
          return { kind: "ok", value: { sealed: false, parts: new Map<string, string>() } satisfies SubmissionStatus };
        }
        if (response.status !== 200) return classifyFailure(response, "status");
        const parsed = SubmissionStatusSchema.safeParse(await jsonBody(response));
        if (!parsed.success || parsed.data.id !== id) return retry("status: unreadable answer");
        return {
          kind: "ok",
          value: { sealed: parsed.data.sealed, parts: new Map(parsed.data.parts.map((p) => [p.name, p.sha256])) },
        };
      }),

    seal: (id, body, signal) => {
      const json = JSON.stringify(body);
      return attempt(
        options,
        "seal",
        `/submissions/${id}/seal`,
        { method: "POST", headers: { "Content-Type": "application/json" }, body: json },
        json.length,
        signal,
        async (response) => {
          if (response.status !== 200) return classifyFailure(response, "seal");
          const parsed = SealAckSchema.safeParse(await jsonBody(response));
          if (!parsed.success) return retry("seal: unreadable acknowledgement");
          return { kind: "ok", value: true };
        },
      );
    },
  };
}

/**
 * A Blob, not the Uint8Array itself: Chromium's fetch serialises a typed-array body on the main
 * thread (measured: ~75 ms per 2 MiB part against ~18 ms as a Blob), which kept uploads from
 * overlapping with encryption (bench/browser-e2e.ts: 20.1 s vs 7.9 s for 256 MiB).
 */
function asBody(bytes: Uint8Array): Blob {
  const view = bytes.buffer instanceof ArrayBuffer ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : new Uint8Array(bytes);
  return new Blob([view], { type: "application/octet-stream" });
}
