import "../../app/load-context";
/**
 * The witness listener: the upload and contact APIs, the built browser assets, and the Remix witness pages.
 * No access log, no `trust proxy`, nothing that reads a client address or User-Agent.
 */
import express from "express";
import type { AppLoadContext, ServerBuild } from "@remix-run/node";
import { createRequestHandler } from "@remix-run/express";
import { witnessApi } from "../api/witness-api";
import { contactApi } from "../api/contact-api";
import type { ContactService } from "../contacts/contact-service";
import { sendError } from "../api/errors";
import type { KeyringStore } from "../keyring/keyring-store";
import type { SubmissionService } from "../submissions/service";
import { buildAssets, createBaseApp, headAsGet } from "./base-app";
import { pageErrorHandler } from "./page-errors";

export function createWitnessApp(deps: {
  build: ServerBuild;
  service: SubmissionService;
  keyrings: KeyringStore;
  demo: boolean;
  limits: { partBytes: number; manifestBytes: number };
  contacts: ContactService;
  contactFloorMs: number;
  publicDir: string;
}): express.Express {
  const app = createBaseApp("witness");

  // Before the upload API, whose router ends in a catch-all 404.
  app.use("/api/v1", contactApi({ contacts: deps.contacts, floorMs: deps.contactFloorMs }));
  app.use("/api/v1", witnessApi({ service: deps.service, keyrings: deps.keyrings, limits: deps.limits }));
  app.use("/api", (_req, res) => sendError(res, 404, "not_found", "no such API endpoint; the API is under /api/v1"));

  // Editor paths do not exist here, whatever the route table says.
  app.use(["/editor", "/editors"], (_req, res) => res.status(404).type("text/plain").send("Not found"));

  // Witness pages take no form posts and no actions: nothing but GET/HEAD reaches Remix, so there
  // is no way to post plaintext to a page, with or without JavaScript.
  app.use((req, res, next) => {
    if (req.method === "GET" || req.method === "HEAD") return next();
    res.setHeader("Allow", "GET, HEAD");
    res.status(405).type("text/plain").send("Method not allowed / Método no permitido");
  });

  app.use("/build", buildAssets(deps.publicDir));
  app.use(express.static(deps.publicDir, { index: false, dotfiles: "ignore", etag: false, lastModified: false }));

  app.use(headAsGet);

  app.all(
    "*",
    createRequestHandler({
      build: deps.build,
      mode: "production",
      getLoadContext: (_req, res): AppLoadContext => ({
        cspNonce: res.locals.cspNonce,
        listener: "witness",
        demo: deps.demo,
        rootFingerprint: deps.keyrings.rootFingerprint,
      }),
    }),
  );
  app.use(pageErrorHandler);
  return app;
}
