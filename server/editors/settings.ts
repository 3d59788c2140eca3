/**
 * Editor-interface settings from the environment, validated at start like server/config.ts.
 */
import { z } from "zod";

const EditorEnvSchema = z.object({
  /**
   * The origin editors' browsers use (e.g. https://editors.example.org or an .onion address),
   * when a proxy in front rewrites the Host header. Unset: a request's Origin must match its Host.
   */
  TESTIGO_EDITOR_ORIGIN: z
    .string()
    .url()
    .refine((value) => {
      const url = new URL(value);
      return (url.protocol === "http:" || url.protocol === "https:") && url.origin === value;
    }, "must be a bare origin such as https://editors.example.org (scheme, host, optional port; no path)")
    .optional(),
});

export interface EditorSettings {
  expectedOrigin: string | undefined;
}

export function loadEditorSettings(env: NodeJS.ProcessEnv): { ok: true; settings: EditorSettings } | { ok: false; message: string } {
  const parsed = EditorEnvSchema.safeParse(env);
  if (!parsed.success) {
    return { ok: false, message: `invalid configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n")}` };
  }
  return { ok: true, settings: { expectedOrigin: parsed.data.TESTIGO_EDITOR_ORIGIN } };
}
