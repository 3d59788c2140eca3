/**
 * The editor forms' fields, checked with zod on the server (isomorphic: no server imports).
 * Lengths are generous bounds on a body already capped at 16 KiB by the host; the password's real
 * limit (1 KiB) is enforced by the login itself, before hashing.
 */
import { z } from "zod";

const csrf = z.string().max(128);

export const LoginFormSchema = z
  .object({
    name: z.string().max(256),
    password: z.string().max(16 * 1024),
    code: z.string().max(32),
    // A missing token is a CSRF refusal (403), not a malformed form (400).
    csrf: csrf.default(""),
  })
  .strict();

export const CsrfFormSchema = z.object({ csrf }).strict();

export const DeleteFormSchema = z.object({ csrf, confirm: z.literal("yes") }).strict();

export const InboxQuerySchema = z.object({
  page: z.coerce.number().int().min(1).max(1_000_000).catch(1),
  notice: z.enum(["deleted"]).optional().catch(undefined),
});

export const INBOX_PAGE_SIZE = 200;

/** Form fields (a Map from readForm) as a plain object for a zod schema. */
export function fieldsOf(form: Map<string, string>): Record<string, string> {
  return Object.fromEntries(form);
}
