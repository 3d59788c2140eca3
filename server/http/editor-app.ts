/**
 * The editor listener (its own port). The editor interface itself (login, inbox, download) comes
 * with the editors issue; until then this listener answers with a plain placeholder and 404s.
 */
import express from "express";
import { sendError } from "../api/errors";
import { securityHeaders } from "./security-headers";
import { pageErrorHandler } from "./page-errors";

export function createEditorApp(): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  app.use(securityHeaders("editor"));
  app.get("/editor", (_req, res) => {
    res.type("text/plain; charset=utf-8").send("Testigo editor interface: not available yet in this version.\n");
  });
  app.use("/api", (_req, res) => sendError(res, 404, "not_found", "the witness API is not served on the editor listener"));
  app.use((_req, res) => res.status(404).type("text/plain").send("Not found"));
  app.use(pageErrorHandler);
  return app;
}
