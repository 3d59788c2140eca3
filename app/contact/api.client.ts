/**
 * The witness's side of the contact API (docs/adr/0007-two-way-contact.md): register a codename's
 * keys, open a thread, link a follow-up. Every call that presents a login verifier first solves a
 * one-time proof of work; network failures are retried like uploads are.
 */
import { z } from "zod";
import { solveChallenge } from "~/codename/pow";
import {
  CONTACT_FORMAT_VERSION,
  ChallengeSchema,
  ThreadViewSchema,
  UNKNOWN_CODENAME,
  type Challenge,
  type ThreadView,
} from "~/contact/format";
import type { SubmissionId } from "~/envelope/format";
import { attempt, classifyFailure, fatal, jsonBody, retry, defaultTimeoutMs, type ApiOptions, type FetchLike, type Outcome } from "~/submit/api.client";
import { browserConnectivity, type Connectivity } from "~/submit/connectivity.client";
import { SubmitError } from "~/submit/errors";
import { defaultFetch } from "~/submit/keyring.client";
import { Retrier } from "~/submit/retry.client";

const ErrorCodeSchema = z.object({ error: z.object({ code: z.string() }) });
const LinkedSchema = z.object({ linked: z.literal(true) });
const RegisteredSchema = z.object({ registered: z.literal(true), thread: z.string() });

export interface ContactClientOptions {
  fetch?: FetchLike;
  baseUrl?: string;
  connectivity?: Connectivity;
  signal?: AbortSignal;
  /** Told when a proof of work starts, with its difficulty (the page says why it waits). */
  onWork?: (bits: number) => void;
}

/** A solved puzzle: at most this many fresh ones per call before giving up (each is single-use). */
const MAX_CHALLENGE_ROUNDS = 5;

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** The error code of an answer; the body is read to its end (an unread body stays open). */
async function errorCode(response: Response): Promise<string | null> {
  const parsed = ErrorCodeSchema.safeParse(await jsonBody(response));
  return parsed.success ? parsed.data.error.code : null;
}

function unknownCodename(): SubmitError {
  return new SubmitError("unknown-codename", UNKNOWN_CODENAME.message, null);
}

type Proven<T> = { kind: "done"; value: T } | { kind: "challenge_failed" };

export function createContactClient(options: ContactClientOptions = {}) {
  const api: ApiOptions = { fetch: options.fetch ?? defaultFetch(), baseUrl: options.baseUrl ?? "", timeoutMs: defaultTimeoutMs };
  const signal = options.signal ?? new AbortController().signal;

  async function withRetrier<T>(work: (retrier: Retrier) => Promise<T>): Promise<T> {
    const retrier = new Retrier({ connectivity: options.connectivity ?? browserConnectivity(), signal });
    try {
      return await work(retrier);
    } finally {
      retrier.dispose();
    }
  }

  function postJson<T>(retrier: Retrier, what: string, path: string, body: unknown, onResponse: (response: Response) => Promise<Outcome<T>>): Promise<T> {
    const json = JSON.stringify(body);
    return retrier.run((s) =>
      attempt(api, what, path, { method: "POST", headers: { "Content-Type": "application/json" }, body: json }, json.length, s, onResponse),
    );
  }

  /**
   * Fetch a challenge, solve it, send the request with the solution. A challenge that expired
   * while a slow phone worked (or one the server forgot on a restart) earns a fresh one.
   */
  async function proven<T>(
    what: string,
    path: string,
    body: Record<string, unknown>,
    onResponse: (response: Response) => Promise<Outcome<Proven<T>>>,
  ): Promise<T> {
    return withRetrier(async (retrier) => {
      for (let round = 0; round < MAX_CHALLENGE_ROUNDS; round++) {
        const challenge: Challenge = await retrier.run((s) =>
          attempt(api, "challenge", "/contact/challenge", { method: "GET" }, 0, s, async (response) => {
            if (response.status !== 200) return classifyFailure(response, "challenge");
            const parsed = ChallengeSchema.safeParse(await jsonBody(response));
            return parsed.success ? { kind: "ok", value: parsed.data } : retry("challenge: unreadable answer");
          }),
        );
        options.onWork?.(challenge.bits);
        const nonce = await solveChallenge(challenge.challenge, challenge.bits, { signal });
        const result = await postJson(retrier, what, path, { ...body, challenge: challenge.challenge, nonce }, onResponse);
        if (result.kind === "done") return result.value;
      }
      throw new SubmitError("rejected", `${what}: the server refused every proof of work`, null);
    });
  }

  /**
   * The answers every proven call shares: 429 challenge_failed is a new round, not a retry of the
   * same (single-use) solution; 404 is the one answer to an unknown codename.
   */
  async function provenFailure(response: Response, what: string): Promise<Outcome<{ kind: "challenge_failed" }>> {
    if (response.status === 404) {
      await jsonBody(response);
      return fatal(unknownCodename());
    }
    if (response.status === 429) {
      return (await errorCode(response)) === "challenge_failed" ? { kind: "ok", value: { kind: "challenge_failed" } } : retry(`${what}: HTTP 429`);
    }
    return classifyFailure(response, what);
  }

  return {
    /** After the first submission: store the public key and the protected secret key. */
    register(submissionId: SubmissionId, login: string, keys: { publicKey: Uint8Array; secretKey: Uint8Array }): Promise<void> {
      const body = { format: CONTACT_FORMAT_VERSION, login, publicKey: base64(keys.publicKey), secretKey: base64(keys.secretKey) };
      return withRetrier((retrier) =>
        postJson(retrier, "codename", `/submissions/${submissionId}/contact`, body, async (response) => {
          if (response.status !== 201 && response.status !== 200) return classifyFailure(response, "codename");
          // Read to the end: an unread body keeps the request open in the browser.
          const parsed = RegisteredSchema.safeParse(await jsonBody(response));
          return parsed.success && parsed.data.thread === submissionId ? { kind: "ok", value: undefined } : retry("codename: unreadable acknowledgement");
        }),
      );
    },

    /** The thread behind a login verifier, or SubmitError "unknown-codename". */
    open(login: string): Promise<ThreadView> {
      return proven<ThreadView>("open", "/contact/open", { login }, async (response) => {
        if (response.status !== 200) return provenFailure(response, "open");
        const parsed = ThreadViewSchema.safeParse(await jsonBody(response));
        return parsed.success ? { kind: "ok", value: { kind: "done", value: parsed.data } } : retry("open: unreadable answer");
      });
    },

    /** Before its seal, a follow-up joins the thread (idempotent). */
    async linkFollowUp(login: string, submission: SubmissionId): Promise<void> {
      await proven<true>("follow-up", "/contact/follow-ups", { login, submission }, async (response) => {
        if (response.status !== 200) return provenFailure(response, "follow-up");
        const parsed = LinkedSchema.safeParse(await jsonBody(response));
        return parsed.success ? { kind: "ok", value: { kind: "done", value: true } } : retry("follow-up: unreadable answer");
      });
    },
  };
}

export type ContactClient = ReturnType<typeof createContactClient>;
export { base64 as toBase64 };
