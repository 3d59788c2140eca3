/**
 * Two-way contact from Node, as the witness's browser and the editor's page do it
 * (docs/adr/0007-two-way-contact.md): make a witness key pair, register it, fetch and solve
 * proof-of-work challenges, open a thread, link a follow-up, and post an editor's reply.
 * Logins are random 64-hex verifiers: deriving them from a codename (scrypt) is the codename
 * helper's own test, and would only slow these down.
 */
import { randomBytes } from "node:crypto";
import type { PublicKey } from "openpgp";
import { generateCodename } from "~/codename/codename";
import { deriveCodenameSecrets } from "~/codename/derive";
import { solveChallenge } from "~/codename/pow";
import { createWitnessKey, readWitnessPublicKey } from "~/codename/witness-key";
import { loadWordlist } from "~/codename/wordlists";
import { ChallengeSchema, CONTACT_FORMAT_VERSION, type Challenge } from "~/contact/format";
import { encryptReply } from "~/contact/reply";
import { rawRequest, type Portal, type RawResponse } from "./portal";
import { buildSubmission, putPart, seal, uploadAndSeal } from "./submission";
import { EditorClient, addEditor } from "../security/editor-support";

/** Fast puzzles for tests that are not about difficulty (8 bits: a few hundred hashes). */
export const FAST_CONTACT_ENV: Record<string, string> = {
  TESTIGO_CONTACT_POW_BASE_BITS: "8",
  TESTIGO_CONTACT_POW_MAX_BITS: "16",
};

export function newLogin(): string {
  return randomBytes(32).toString("hex");
}

export interface WitnessKeys {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
  passphrase: string;
}

export async function makeWitnessKeys(): Promise<WitnessKeys> {
  const passphrase = randomBytes(16).toString("hex");
  return { ...(await createWitnessKey(passphrase)), passphrase };
}

export const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

export function registration(login: string, keys: { publicKey: Uint8Array; secretKey: Uint8Array }) {
  return { format: CONTACT_FORMAT_VERSION, login, publicKey: b64(keys.publicKey), secretKey: b64(keys.secretKey) };
}

export function postJson(baseUrl: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${baseUrl}${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
}

export function register(witnessUrl: string, id: string, body: unknown): Promise<Response> {
  return postJson(witnessUrl, `/api/v1/submissions/${id}/contact`, body);
}

export async function getChallenge(witnessUrl: string): Promise<Challenge> {
  const res = await fetch(`${witnessUrl}/api/v1/contact/challenge`);
  if (res.status !== 200) throw new Error(`GET challenge: ${res.status}`);
  return ChallengeSchema.parse(await res.json());
}

export interface Proof {
  challenge: string;
  nonce: string;
  bits: number;
}

export async function solvedProof(witnessUrl: string): Promise<Proof> {
  const challenge = await getChallenge(witnessUrl);
  return { challenge: challenge.challenge, bits: challenge.bits, nonce: await solveChallenge(challenge.challenge, challenge.bits) };
}

/** A raw POST (status, every header and the exact body bytes), for answers compared byte for byte. */
export function rawPostJson(baseUrl: string, path: string, body: unknown): Promise<RawResponse> {
  return rawRequest(baseUrl, {
    method: "POST",
    path,
    headers: { "Content-Type": "application/json" },
    body: new TextEncoder().encode(JSON.stringify(body)),
  });
}

/** POST /api/v1/contact/open after solving a fresh challenge (or with the proof given). */
export async function openThread(witnessUrl: string, login: string, proof?: Proof): Promise<RawResponse> {
  const p = proof ?? (await solvedProof(witnessUrl));
  return rawPostJson(witnessUrl, "/api/v1/contact/open", { login, challenge: p.challenge, nonce: p.nonce });
}

export async function linkFollowUp(witnessUrl: string, login: string, submission: string, proof?: Proof): Promise<RawResponse> {
  const p = proof ?? (await solvedProof(witnessUrl));
  return rawPostJson(witnessUrl, "/api/v1/contact/follow-ups", { login, submission, challenge: p.challenge, nonce: p.nonce });
}

export async function encryptTestReply(args: { thread: string; witnessPublicKey: Uint8Array; editorKeys: readonly PublicKey[]; text?: string }): Promise<Uint8Array> {
  return encryptReply({
    thread: args.thread,
    text: args.text ?? "¿Puede enviar otra foto del acta?",
    witnessKey: await readWitnessPublicKey(args.witnessPublicKey),
    editorKeys: args.editorKeys,
  });
}

/** The editor page's reply upload; override (or, with null, drop) any header to forge. */
export function postReply(client: EditorClient, id: string, bytes: Uint8Array, csrf: string, headers: Record<string, string | null> = {}): Promise<RawResponse> {
  const base: Record<string, string | null> = {
    Origin: new URL(client.baseUrl).origin,
    "Sec-Fetch-Site": "same-origin",
    Cookie: client.cookieHeader(),
    "Content-Type": "application/octet-stream",
    "X-CSRF-Token": csrf,
    ...headers,
  };
  const sent: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== null) sent[k] = v;
  return rawRequest(client.baseUrl, { method: "POST", path: `/editor/submissions/${id}/replies`, headers: sent, body: bytes });
}

/** What a witness holds after choosing a codename on a sealed first submission. */
export interface SeededThread {
  thread: string;
  login: string;
  keys: { publicKey: Uint8Array; secretKey: Uint8Array };
  /** The words, when asked for (`withCodename`); otherwise the login is random. */
  codename: string | null;
}

/**
 * A sealed first submission with a registered contact. With `withCodename` the login and key
 * passphrase are derived from a real English codename (scrypt: slower), for tests that type it
 * into a browser; otherwise a random verifier stands in.
 */
export async function seedThread(witnessUrl: string, recipients: readonly PublicKey[], options: { report?: string; withCodename?: boolean } = {}): Promise<SeededThread> {
  const first = await buildSubmission({ recipients, files: [], report: { what: options.report ?? "first report" } });
  await uploadAndSeal(witnessUrl, first);
  let codename: string | null = null;
  let login = newLogin();
  let passphrase = randomBytes(16).toString("hex");
  if (options.withCodename) {
    codename = generateCodename(await loadWordlist("en"));
    ({ login, keyPassphrase: passphrase } = await deriveCodenameSecrets(codename));
  }
  const keys = await createWitnessKey(passphrase);
  const res = await register(witnessUrl, first.id, registration(login, keys));
  if (res.status !== 201) throw new Error(`codename registration: ${res.status} ${await res.text()}`);
  return { thread: first.id, login, keys, codename };
}

/** A follow-up uploaded, linked to the thread before its seal (as the witness's page does), sealed. */
export async function sendFollowUp(
  witnessUrl: string,
  recipients: readonly PublicKey[],
  seeded: Pick<SeededThread, "thread" | "login">,
  content: { report: string; files?: { name: string; type: string; data: Uint8Array }[] },
): Promise<string> {
  const more = await buildSubmission({ recipients, files: content.files ?? [], report: { what: content.report }, thread: seeded.thread });
  for (const part of more.parts) {
    const res = await putPart(witnessUrl, more.id, part.name, part.bytes);
    if (res.status !== 201) throw new Error(`PUT ${part.name}: ${res.status}`);
  }
  const linked = await linkFollowUp(witnessUrl, seeded.login, more.id);
  if (linked.status !== 200) throw new Error(`link: ${linked.status} ${linked.text}`);
  const sealed = await seal(witnessUrl, more.id, more.seal);
  if (sealed.status !== 200) throw new Error(`seal: ${sealed.status}`);
  return more.id;
}

/** A new editor account, logged in on the editor listener, with its session's CSRF token. */
export async function loggedInEditor(portal: Pick<Portal, "editorUrl" | "dataDir">, name = "ana"): Promise<{ client: EditorClient; csrf: string }> {
  const client = new EditorClient(portal.editorUrl);
  const csrf = await client.loginOk(name, (await addEditor(portal.dataDir, name)).secret);
  return { client, csrf };
}
