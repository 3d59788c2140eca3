/**
 * The keyring document (keys/keyring.json) and the bundle the server serves at /api/v1/keyring.
 * The document is signed (detached) by the organisation's root key; its version only grows.
 */
import { z } from "zod";

const Fingerprint = z.string().regex(/^[0-9A-F]{40}$/, "fingerprint must be 40 uppercase hex characters (v4)");
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const KeyringEntrySchema = z
  .object({
    fingerprint: Fingerprint,
    label: z.string().min(1).max(200),
    role: z.literal("editor"),
    status: z.enum(["active", "retired"]),
    added: Day,
    retired: Day.optional(),
  })
  .strict();
export type KeyringEntry = z.infer<typeof KeyringEntrySchema>;

export const KeyringDocumentSchema = z
  .object({
    format: z.literal("testigo-keyring/1"),
    version: z.number().int().min(1),
    root: Fingerprint,
    demo: z.boolean(),
    keys: z.array(KeyringEntrySchema).min(1).max(100),
  })
  .strict();
export type KeyringDocument = z.infer<typeof KeyringDocumentSchema>;

/** What /api/v1/keyring returns: everything a client needs to verify and use the keyring. */
export const KeyringBundleSchema = z
  .object({
    document: z.string().max(1_000_000),
    signature: z.string().max(100_000),
    rootKey: z.string().max(100_000),
    keys: z.record(Fingerprint, z.string().max(200_000)),
  })
  .strict();
export type KeyringBundle = z.infer<typeof KeyringBundleSchema>;
