import "../../app/load-context";
import type {} from "../../app/editor/context.server";
/**
 * The editor listener (its own port): login, inbox, bundle downloads, deletion. Only /editor
 * paths reach Remix here (witness pages and their data URLs do not exist on this port), and every
 * editor route also refuses to run unless the load context says it is on this listener.
 */
import path from "node:path";
import express from "express";
import type { AppLoadContext, ServerBuild } from "@remix-run/node";
import { createRequestHandler } from "@remix-run/express";
import { sendError } from "../api/errors";
import { editorDownloads, mutationGuard } from "../editors/http";
import type { EditorPortal } from "../editors/portal";
import type { SubmissionStore } from "../storage/submission-store";
import { securityHeaders } from "./security-headers";
import { pageErrorHandler } from "./page-errors";

export function createEditorApp(deps: {
  build: ServerBuild;
  portal: EditorPortal;
  store: SubmissionStore;
  rootFingerprint: string;
  publicDir: string;
}): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  app.set("query parser", "simple");
  app.use(securityHeaders("editor"));
  app.use("/api", (_req, res) => sendError(res, 404, "not_found", "the witness API is not served on the editor listener"));

  app.use(mutationGuard(deps.portal));

  // The pages' own scripts and styles (the same build the witness listener serves).
  app.use(
    "/build",
    express.static(path.join(deps.publicDir, "build"), { index: false, dotfiles: "ignore", etag: false, lastModified: false, fallthrough: false }),
  );

  app.use(editorDownloads({ portal: deps.portal, store: deps.store }));

  // Node drops the body of a HEAD response, so Remix can answer it as a GET (it would treat any
  // other method as an action).
  app.use((req, _res, next) => {
    if (req.method === "HEAD") req.method = "GET";
    next();
  });

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
