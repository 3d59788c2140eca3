/**
 * What both listeners share: an Express app that announces nothing about itself, sends the
 * security headers of its listener, serves the built browser assets, and hands HEAD to Remix as
 * GET (Remix treats any other method as an action; Node drops a HEAD response's body itself).
 */
import path from "node:path";
import express, { type RequestHandler } from "express";
import { securityHeaders } from "./security-headers";

export function createBaseApp(listener: "witness" | "editor"): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  app.set("query parser", "simple");
  app.use(securityHeaders(listener));
  return app;
}

/** The pages' own scripts and styles, from `npm run build`; a miss is a 404, never a page. */
export function buildAssets(publicDir: string): RequestHandler {
  return express.static(path.join(publicDir, "build"), { index: false, dotfiles: "ignore", etag: false, lastModified: false, fallthrough: false });
}

export const headAsGet: RequestHandler = (req, _res, next) => {
  if (req.method === "HEAD") req.method = "GET";
  next();
};
