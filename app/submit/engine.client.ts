/**
 * The upload engine: a report and files in, a receipt out, following DESIGN.md part by part.
 * It knows nothing of React or the DOM (beyond the optional online/offline signal), so it runs
 * under Node with an injected fetch, and the page is only a view of its progress.
 *
 * Memory stays flat whatever the file size: the producer (encryptFileParts) waits while
 * `concurrency` uploads are in flight, so at most concurrency + 1 encrypted chunks are alive.
 */
import type { PublicKey } from "openpgp";
import { encryptManifest } from "~/envelope/encrypt";
import {
  DEFAULT_CHUNK_SIZE,
  FORMAT_ID,
  FORMAT_VERSION,
  MAX_FILES,
  ManifestSchema,
  ReportSchema,
  type Manifest,
  type ManifestFile,
  type Report,
  type SealRequest,
  type SubmissionId,
} from "~/envelope/format";
import { sha256Hex } from "~/envelope/hash";
import { paddedSize } from "~/envelope/padding";
import { createSubmissionApi, defaultTimeoutMs, type FetchLike, type SubmissionStatus } from "./api.client";
import type { BackoffPolicy } from "./backoff.client";
import { browserConnectivity, type Connectivity } from "./connectivity.client";
import { encryptFileParts, fileName } from "./encrypt-file.client";
import { SubmitError, toSubmitError } from "./errors";
import { defaultFetch } from "./keyring.client";
import { Retrier, type ConnectionState } from "./retry.client";
import { newSubmissionId } from "./submission-id.client";
import { requireWebCrypto } from "./webcrypto.client";

export const DEFAULT_CONCURRENCY = 3;
const MAX_CONCURRENCY = 6;

export interface SubmissionInput {
  report: Report;
  /** In the order the witness chose them: that order is each file's index F. */
  files: readonly Blob[];
  language: Manifest["language"];
  /** A follow-up names its thread; the manifest carries it inside the encryption. */
  thread?: SubmissionId;
}

export interface SendOptions {
  /** The verified keyring's recipients (loadKeyring): nothing is encrypted to anything else. */
  recipients: readonly PublicKey[];
  fetch?: FetchLike;
  baseUrl?: string;
  /** Parts uploaded at once (default 3). */
  concurrency?: number;
  chunkSize?: number;
  backoff?: BackoffPolicy;
  connectivity?: Connectivity;
  timeoutMs?: (bodyBytes: number) => number;
  signal?: AbortSignal;
  /** For tests; otherwise 128 fresh random bits. */
  submissionId?: SubmissionId;
  onProgress?: (progress: SubmissionProgress) => void;
  /**
   * Runs after every part is stored and before the seal (a follow-up links itself to its thread
   * here, so editors never see it outside the thread). It does its own retrying; what it throws
   * stops the submission.
   */
  beforeSeal?: (submissionId: SubmissionId, signal: AbortSignal) => Promise<void>;
}

export type SubmissionPhase = "sending" | "finishing" | "done";

export interface FileProgress {
  name: string;
  /** True size in bytes. */
  size: number;
  /** Padded size: the unit of `encrypted` and `sent`. */
  bytes: number;
  encrypted: number;
  sent: number;
}

export interface SubmissionProgress {
  phase: SubmissionPhase;
  connection: ConnectionState;
  /** When the next retry is due (epoch ms), while `connection` is "retrying". */
  retryAt: number | null;
  files: FileProgress[];
  total: { bytes: number; encrypted: number; sent: number };
}

export interface ReceiptFile {
  name: string;
  type: string;
  size: number;
  /** SHA-256 of the file as the witness has it: `sha256sum` on their copy prints the same. */
  sha256: string;
}

export interface Receipt {
  /** Kept in memory only (never shown): the codename registration names the submission. */
  submissionId: SubmissionId;
  files: ReceiptFile[];
}

/** Refuses, before anything is sent, what the editors' tools would refuse to read. */
export function checkInput(input: SubmissionInput): void {
  const { report, files } = input;
  const hasText = Object.values(report).some((value) => value.trim() !== "");
  if (!hasText && files.length === 0) throw new SubmitError("nothing-to-send", "neither report text nor files");
  if (files.length > MAX_FILES) throw new SubmitError("invalid-input", `more than ${MAX_FILES} files`);
  const parsed = ReportSchema.safeParse(report);
  if (!parsed.success) throw new SubmitError("invalid-input", `report: ${parsed.error.issues[0]?.message ?? "invalid"}`);
}

function linkAbort(source: AbortSignal | undefined, target: AbortController): () => void {
  if (!source) return () => undefined;
  const onAbort = () => target.abort(source.reason);
  if (source.aborted) onAbort();
  else source.addEventListener("abort", onAbort, { once: true });
  return () => source.removeEventListener("abort", onAbort);
}

export async function sendSubmission(input: SubmissionInput, options: SendOptions): Promise<Receipt> {
  requireWebCrypto();
  checkInput(input);
  if (options.recipients.length === 0) throw new SubmitError("keyring-invalid", "no recipients");

  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const concurrency = Math.min(MAX_CONCURRENCY, Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY)));
  const submissionId = options.submissionId ?? newSubmissionId();
  const api = createSubmissionApi({
    fetch: options.fetch ?? defaultFetch(),
    baseUrl: options.baseUrl ?? "",
    timeoutMs: options.timeoutMs ?? defaultTimeoutMs,
  });
  const controller = new AbortController();
  const unlink = linkAbort(options.signal, controller);
  const signal = controller.signal;

  const files: FileProgress[] = input.files.map((file) => ({
    name: fileName(file),
    size: file.size,
    bytes: paddedSize(file.size),
    encrypted: 0,
    sent: 0,
  }));
  let phase: SubmissionPhase = "sending";
  const retrier = new Retrier({
    connectivity: options.connectivity ?? browserConnectivity(),
    backoff: options.backoff,
    signal,
    onChange: () => emit(),
  });
  function emit(): void {
    if (!options.onProgress) return;
    const total = { bytes: 0, encrypted: 0, sent: 0 };
    for (const f of files) {
      total.bytes += f.bytes;
      total.encrypted += f.encrypted;
      total.sent += f.sent;
    }
    options.onProgress({
      phase,
      connection: retrier.connection,
      retryAt: retrier.retryAt,
      files: files.map((f) => ({ ...f })),
      total,
    });
  }

  // Several parts failing at once (the link dropped) share one look at what the server holds,
  // but only a look taken after their own failure: an older one may predate its arrival.
  let clock = 0;
  let statusRequest: { startedAt: number; promise: Promise<SubmissionStatus> } | null = null;
  function serverStatus(notBefore: number): Promise<SubmissionStatus> {
    if (!statusRequest || statusRequest.startedAt < notBefore) {
      statusRequest = { startedAt: ++clock, promise: retrier.run((s) => api.getSubmission(submissionId, s)) };
    }
    return statusRequest.promise;
  }

  async function upload(name: string, bytes: Uint8Array, sha256: string): Promise<void> {
    let failedAt = 0;
    const ack = await retrier.run(
      async (s) => {
        const outcome = await api.putPart(submissionId, name, bytes, s);
        if (outcome.kind === "retry") failedAt = ++clock;
        return outcome;
      },
      async () => {
        // The failed attempt may have arrived after all: never send a part the server holds.
        const held = (await serverStatus(failedAt)).parts.get(name);
        if (held === undefined) return undefined;
        if (held !== sha256) throw new SubmitError("conflict", `server holds other bytes for ${name}`, name);
        return { size: bytes.length, sha256: held };
      },
    );
    if (ack.sha256 !== sha256) {
      throw new SubmitError("hash-mismatch", `server acknowledged ${name} with SHA-256 ${ack.sha256}, sent ${sha256}`, name);
    }
  }

  let failure: SubmitError | null = null;
  const fail = (error: unknown) => {
    // Only the first failure counts; what it aborts (or what the caller aborted) is not news.
    if (failure || signal.aborted) return;
    failure = toSubmitError(error);
    controller.abort(failure);
  };
  const inflight = new Set<Promise<void>>();

  try {
    emit();
    const manifestFiles: ManifestFile[] = [];
    const receipt: ReceiptFile[] = [];
    for (const [index, file] of input.files.entries()) {
      const progress = files[index]!;
      const encrypted = await encryptFileParts(file, {
        recipients: options.recipients,
        submissionId,
        index,
        chunkSize,
        signal,
        onPart: async (part) => {
          progress.encrypted += part.plaintextBytes;
          emit();
          const task: Promise<void> = upload(part.name, part.bytes, part.sha256)
            .then(() => {
              progress.sent += part.plaintextBytes;
              emit();
            }, fail)
            .finally(() => {
              inflight.delete(task);
            });
          inflight.add(task);
          // Back-pressure: the next chunk is read and encrypted only when an upload slot is free.
          while (inflight.size >= concurrency && !failure) await Promise.race(inflight);
          if (failure) throw failure;
        },
      });
      manifestFiles.push(encrypted.manifestEntry);
      receipt.push({ name: encrypted.description.name, type: encrypted.description.type, size: file.size, sha256: encrypted.sha256 });
    }
    await Promise.all(inflight);
    if (failure) throw failure;

    phase = "finishing";
    emit();
    const manifest = ManifestSchema.parse({
      format: FORMAT_ID,
      submission: submissionId,
      language: input.language,
      ...(input.thread !== undefined ? { thread: input.thread } : {}),
      report: input.report,
      files: manifestFiles,
    });
    // Encrypted once: a fresh encryption would be different bytes, which the server refuses (409).
    const manifestBytes = await encryptManifest({ manifest, recipients: options.recipients });
    await upload("manifest", manifestBytes, await sha256Hex(manifestBytes));

    const seal: SealRequest = {
      format: FORMAT_VERSION,
      files: manifestFiles.map((f) => ({ chunks: f.chunks })),
    };
    if (options.beforeSeal) await options.beforeSeal(submissionId, signal);
    await retrier.run(
      (s) => api.seal(submissionId, seal, s),
      async () => ((await serverStatus(++clock)).sealed ? true : undefined),
    );
    phase = "done";
    emit();
    return { submissionId, files: receipt };
  } catch (error) {
    if (failure) throw failure;
    if (options.signal?.aborted) throw options.signal.reason;
    throw toSubmitError(error);
  } finally {
    // Whatever ended the run, nothing it started may go on uploading behind the witness's back.
    controller.abort();
    retrier.dispose();
    unlink();
  }
}
