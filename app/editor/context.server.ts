/**
 * The editor listener's load context, typed: the host (server/http/editor-app.ts) puts its
 * EditorPortal in `context.editor` on the editor listener only. Types only. Routes may not import
 * server modules (eslint), so they reach the server through this context alone; see guards.ts.
 */
import type { EditorPortal } from "../../server/editors/portal";

declare module "@remix-run/server-runtime" {
  interface AppLoadContext {
    /** Present on the editor listener only. */
    editor?: EditorPortal;
  }
}
