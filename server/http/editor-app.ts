import "../../app/load-context";
import type {} from "../../app/editor/context.server";
/**
 * The editor listener (its own port): login, inbox, threads, bundle downloads, replies, deletion. Only /editor
 * paths reach Remix here (witness pages and their data URLs do not exist on this port), and every
 * editor route also refuses to run unless the load context says it is on this listener.
 */
import type express from "express";
import type { AppLoadContext, ServerBuild } from "@remix-run/node";
import { createRequestHandler } from "@remix-run/express";
import { sendError } from "../api/errors";
import { editorDownloads, editorReplies, mutationGuard } from "../editors/http";
import type { ThreadStore } from "../contacts/thread-store";
import type { EditorPortal } from "../editors/portal";
import type { SubmissionStore } from "../storage/submission-store";
import { buildAssets, createBaseApp, headAsGet } from "./base-app";
import { pageErrorHandler } from "./page-errors";

export function createEditorApp(deps: {
  build: ServerBuild;
  portal: EditorPortal;
  store: SubmissionStore;
  threads: ThreadStore;
  rootFingerprint: string;
  publicDir: string;
}): express.Express {
  const app = createBaseApp("editor");
  app.use("/api", (_req, res) => sendError(res, 404, "not_found", "the witness API is not served on the editor listener"));

  app.use(mutationGuard(deps.portal));

  // The pages' own scripts and styles (the same build the witness listener serves).
  app.use("/build", buildAssets(deps.publicDir));

  app.use(editorDownloads({ portal: deps.portal, store: deps.store, threads: deps.threads }));
  app.use(editorReplies({ portal: deps.portal }));

  app.use(headAsGet);

  app.all(
    ["/editor", "/editor/*", "/editor.data"],
    createRequestHandler({
      build: deps.build,
      mode: "production",
      getLoadContext: (_req, res): AppLoadContext => ({
        cspNonce: res.locals.cspNonce,
        listener: "editor",
        demo: deps.portal.demo,
        rootFingerprint: deps.rootFingerprint,
        editor: deps.portal,
      }),
    }),
  );
  app.use((_req, res) => res.status(404).type("text/plain").send("Not found"));
  app.use(pageErrorHandler);
  return app;
}
