/**
 * The export bundle: a POSIX tar holding, per submission, `<id>/index.json` (unencrypted: part
 * names, sizes and ciphertext SHA-256, nothing else) followed by `<id>/<part>` for every part.
 * Plain tar so an editor without our CLI can unpack it and follow the GnuPG recipe.
 */
import { z } from "zod";
import { SubmissionIdSchema } from "../envelope/format";

export const BUNDLE_FORMAT = "testigo-bundle/1";

export const BundleIndexSchema = z
  .object({
    format: z.literal(BUNDLE_FORMAT),
    submission: SubmissionIdSchema,
    day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    /** Present on a follow-up: the thread (first submission) the server linked it to. */
    thread: SubmissionIdSchema.optional(),
    parts: z
      .array(
        z.object({ name: z.string().max(64), size: z.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).strict(),
      )
      .max(2_000_000),
  })
  .strict();
export type BundleIndex = z.infer<typeof BundleIndexSchema>;
