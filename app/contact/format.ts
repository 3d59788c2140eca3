/**
 * Two-way contact: the shapes every party shares (witness browser, server, editor browser, CLI).
 * Isomorphic: no DOM, no Node built-ins. See docs/adr/0007-two-way-contact.md.
 *
 * A thread is the witness's first submission (its id is the thread id) plus the follow-up
 * submissions linked to it, the replies editors sent, and the witness's contact record: a login
 * verifier and an OpenPGP key pair whose secret half is encrypted under a key derived from the
 * codename (docs/adr/0006-codename-derivation.md). The codename itself never leaves the browser.
 */
import { z } from "zod";
import { FORMAT_ID, SubmissionIdSchema, type SubmissionId } from "../envelope/format";

export const CONTACT_FORMAT_VERSION = 1;

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const Base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, "base64");
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

/** Binary OpenPGP public key (one Ed25519 primary, one Curve25519 encryption subkey). */
export const MAX_WITNESS_PUBLIC_KEY_BYTES = 4 * 1024;
/** Binary OpenPGP secret key, S2K-encrypted. */
export const MAX_WITNESS_SECRET_KEY_BYTES = 8 * 1024;
/** One encrypted reply (the padded plaintext is far smaller; room for many recipients). */
export const MAX_REPLY_BYTES = 256 * 1024;
/** What an editor may write in one reply, in UTF-16 code units. */
export const MAX_REPLY_TEXT = 20_000;

/** The login verifier the browser derives from the codename: 32 bytes, hex. */
export const LoginSchema = Hex64;

/** POST /api/v1/submissions/:id/contact */
export const ContactRegistrationSchema = z
  .object({
    format: z.literal(CONTACT_FORMAT_VERSION),
    login: LoginSchema,
    /** base64 of the binary public key. */
    publicKey: Base64.max(Math.ceil(MAX_WITNESS_PUBLIC_KEY_BYTES / 3) * 4),
    /** base64 of the binary, passphrase-protected secret key. */
    secretKey: Base64.max(Math.ceil(MAX_WITNESS_SECRET_KEY_BYTES / 3) * 4),
  })
  .strict();
export type ContactRegistration = z.infer<typeof ContactRegistrationSchema>;

/**
 * GET /api/v1/contact/challenge: a proof-of-work puzzle (app/codename/pow.ts). `challenge` is
 * opaque to the witness: 37 bytes in lowercase hex (random, issue time, bits, the server's MAC;
 * server/contacts/challenges.ts), so the server keeps no state per puzzle it hands out.
 */
export const ChallengeSchema = z
  .object({
    challenge: z.string().regex(/^[0-9a-f]{74}$/),
    bits: z.number().int().min(0).max(32),
    expiresInSeconds: z.number().int().min(1),
  })
  .strict();
export type Challenge = z.infer<typeof ChallengeSchema>;

/**
 * A solved challenge, carried by every request that presents a login verifier. `login` is only
 * bounded here: a malformed verifier must get exactly the answer a wrong one gets, so the server
 * checks its form after the proof of work, in the same code path as an unknown one.
 */
const Proof = {
  challenge: z.string().max(128),
  nonce: z.string().regex(/^\d{1,16}$/),
};

/** POST /api/v1/contact/open */
export const OpenThreadRequestSchema = z.object({ login: z.string().max(256), ...Proof }).strict();
export type OpenThreadRequest = z.infer<typeof OpenThreadRequestSchema>;

/** POST /api/v1/contact/follow-ups: link a follow-up submission (before its seal) to the thread. */
export const LinkFollowUpRequestSchema = z.object({ login: z.string().max(256), submission: SubmissionIdSchema, ...Proof }).strict();
export type LinkFollowUpRequest = z.infer<typeof LinkFollowUpRequestSchema>;

export const ThreadReplySchema = z.object({ id: z.string().regex(/^[0-9a-f]{32}$/), day: Day, message: Base64 }).strict();

/** 200 answer to a right codename. */
export const ThreadViewSchema = z
  .object({
    thread: SubmissionIdSchema,
    publicKey: Base64,
    secretKey: Base64,
    replies: z.array(ThreadReplySchema).max(10_000),
    followUps: z.array(z.object({ id: SubmissionIdSchema, day: Day }).strict()).max(10_000),
  })
  .strict();
export type ThreadView = z.infer<typeof ThreadViewSchema>;

/** The one answer to every wrong, malformed or deleted codename (404). */
export const UNKNOWN_CODENAME = {
  code: "unknown_codename",
  message: "No conversation matches this codename. Check every word and try again. / Ninguna conversación corresponde a este nombre clave. Revisa cada palabra e inténtalo de nuevo.",
} as const;

/** The plaintext inside a reply, JSON padded with spaces (Padmé, at least REPLY_MIN_PADDED_SIZE). */
export const ReplyPlaintextSchema = z
  .object({
    format: z.literal(FORMAT_ID),
    kind: z.literal("reply"),
    thread: SubmissionIdSchema,
    text: z.string().min(1).max(MAX_REPLY_TEXT),
  })
  .strict();
export type ReplyPlaintext = z.infer<typeof ReplyPlaintextSchema>;
export const REPLY_MIN_PADDED_SIZE = 4096;

/** The literal-data name inside a reply: binds it to its thread (a reply moved elsewhere is refused). */
export function replyLiteralName(thread: SubmissionId): string {
  return `${FORMAT_ID}:${thread}:reply`;
}

// ---- The thread bundle (editor download of one thread; read by `testigo decrypt` and `testigo reply`).

export const THREAD_FORMAT = "testigo-thread/1";

/** `<thread>/thread.json` inside a bundle. Replies are at `<thread>/replies/<id>.pgp`. */
export const ThreadIndexSchema = z
  .object({
    format: z.literal(THREAD_FORMAT),
    thread: SubmissionIdSchema,
    followUps: z.array(z.object({ id: SubmissionIdSchema, day: Day }).strict()).max(10_000),
    replies: z
      .array(z.object({ id: z.string().regex(/^[0-9a-f]{32}$/), day: Day, size: z.number().int().min(0), sha256: Hex64 }).strict())
      .max(10_000),
    /** `witness-key.pgp` (binary public key) when the witness chose a codename, else null. */
    witnessKey: z.literal("witness-key.pgp").nullable(),
  })
  .strict();
export type ThreadIndex = z.infer<typeof ThreadIndexSchema>;
