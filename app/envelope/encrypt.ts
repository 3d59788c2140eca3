/**
 * Writing the envelope. Runs in the witness's browser (and in Node for tests and benches): no DOM,
 * no Node built-ins.
 */
import { createMessage, encrypt, type PublicKey } from "openpgp";
import {
  HEADER_PADDED_SIZE,
  MANIFEST_MIN_PADDED_SIZE,
  literalName,
  type FileDescription,
  type Manifest,
  type PartRef,
  type SubmissionId,
} from "./format";
import { randomBytes } from "./hex";
import { padme } from "./padding";
import { FIXED_PACKET_DATE, pgpConfig } from "./pgp-config";

export const SESSION_KEY_BYTES = 32;

/** A fresh AES-256 session key. Passing it explicitly is what makes OpenPGP.js emit SEIPDv1. */
export function newSessionKey(): Uint8Array {
  return randomBytes(SESSION_KEY_BYTES);
}

async function encryptPart(args: {
  submissionId: SubmissionId;
  part: PartRef;
  plaintext: Uint8Array;
  sessionKey: Uint8Array;
  recipients: readonly PublicKey[];
}): Promise<Uint8Array> {
  const message = await createMessage({
    binary: args.plaintext,
    filename: literalName(args.submissionId, args.part),
    date: FIXED_PACKET_DATE,
    format: "binary",
  });
  return encrypt({
    message,
    // Empty for chunks: then no PKESK is written and the result is a lone SEIPD packet.
    encryptionKeys: [...args.recipients],
    sessionKey: { data: args.sessionKey, algorithm: "aes256" },
    format: "binary",
    config: pgpConfig,
  });
}

/** JSON padded with trailing spaces (still valid JSON) to `target` bytes. */
export function padJson(value: unknown, target: (length: number) => number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(value));
  const out = new Uint8Array(target(json.length)).fill(0x20);
  out.set(json);
  return out;
}

export function encryptHeader(args: {
  description: FileDescription;
  sessionKey: Uint8Array;
  recipients: readonly PublicKey[];
}): Promise<Uint8Array> {
  if (args.recipients.length === 0) throw new Error("encryptHeader: no recipients");
  const { description } = args;
  return encryptPart({
    submissionId: description.submission,
    part: { kind: "header", file: description.file },
    // Almost every header fits the fixed bucket; a very long name falls into a Padmé bucket
    // rather than revealing its exact length.
    plaintext: padJson(description, (n) => padme(Math.max(n, HEADER_PADDED_SIZE))),
    sessionKey: args.sessionKey,
    recipients: args.recipients,
  });
}

export function encryptChunk(args: {
  submissionId: SubmissionId;
  file: number;
  chunk: number;
  plaintext: Uint8Array;
  sessionKey: Uint8Array;
}): Promise<Uint8Array> {
  return encryptPart({
    submissionId: args.submissionId,
    part: { kind: "chunk", file: args.file, chunk: args.chunk },
    plaintext: args.plaintext,
    sessionKey: args.sessionKey,
    recipients: [],
  });
}

export function encryptManifest(args: { manifest: Manifest; recipients: readonly PublicKey[] }): Promise<Uint8Array> {
  if (args.recipients.length === 0) throw new Error("encryptManifest: no recipients");
  return encryptPart({
    submissionId: args.manifest.submission,
    part: { kind: "manifest" },
    plaintext: padJson(args.manifest, (n) => padme(Math.max(n, MANIFEST_MIN_PADDED_SIZE))),
    sessionKey: newSessionKey(),
    recipients: args.recipients,
  });
}
