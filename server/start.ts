/**
 * Composition root: configuration → keyring → storage → the two listeners. Used by main.ts and by
 * tests that need an in-process server; everything it starts is stopped by the returned `close`.
 */
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import path from "node:path";
import type { Config } from "./config";
import { loadServerBuild } from "./build";
import { ensureDemoKeys } from "./keyring/demo";
import { hasKeyring } from "./keyring/files";
import { KeyringStore } from "./keyring/keyring-store";
import { watchKeyring } from "./keyring/watcher";
import { PINNED_ROOT_FINGERPRINT } from "../app/keyring/pinned-root.generated";
import { openDb } from "./storage/db";
import { mkdirDurable } from "./storage/durable-fs";
import { SubmissionStore } from "./storage/submission-store";
import { SubmissionService } from "./submissions/service";
import { createWitnessApp } from "./http/witness-app";
import { createEditorApp } from "./http/editor-app";
import { createEditorPortal } from "./editors/portal";
import { ChallengeBook } from "./contacts/challenges";
import { ContactService } from "./contacts/contact-service";
import { ThreadStore } from "./contacts/thread-store";
import { loadEditorSettings } from "./editors/settings";

export class StartupError extends Error {
  override name = "StartupError";
}

export interface RunningPortal {
  witnessUrl: string;
  editorUrl: string;
  demo: boolean;
  demoSecretKeyPath: string | null;
  keyringWarnings: string[];
  recovered: { removedTemp: number; removedOrphans: number; missing: number };
  close(): Promise<void>;
}

const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

async function chooseKeyring(config: Config): Promise<{ keyrings: KeyringStore; demo: boolean; demoSecretKeyPath: string | null }> {
  if (await hasKeyring(config.keysDir)) {
    if (config.production && !config.rootFingerprint) {
      throw new StartupError("production requires TESTIGO_ROOT_FINGERPRINT: the root key fingerprint published to witnesses");
    }
    const keyrings = await KeyringStore.load(config.keysDir, config.rootFingerprint, { graceMs: config.keyring.graceMs });
    if (keyrings.keyring.document.demo && config.production) {
      throw new StartupError(`the keyring in ${config.keysDir} is a demo keyring; production refuses it`);
    }
    return { keyrings, demo: keyrings.keyring.document.demo, demoSecretKeyPath: null };
  }
  if (config.production) {
    throw new StartupError(
      `NODE_ENV=production but there is no signed keyring in ${config.keysDir} (keyring.json, keyring.json.asc, root.asc, editors/). ` +
        "Create one with `npx testigo keys ...` (see the README's runbook); production never runs on demo keys.",
    );
  }
  const demo = await ensureDemoKeys(config.dataDir);
  return { keyrings: await KeyringStore.load(demo.keysDir, undefined, { graceMs: config.keyring.graceMs }), demo: true, demoSecretKeyPath: demo.editorSecretPath };
}

function listen(app: import("express").Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once("listening", () => resolve(server));
    server.once("error", reject);
  });
}

function urlOf(server: Server, host: string): string {
  const address = server.address();
  const port = typeof address === "object" && address !== null ? (address satisfies AddressInfo).port : 0;
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

export async function startPortal(config: Config, root: string): Promise<RunningPortal> {
  const build = await loadServerBuild(root);
  await mkdirDurable(config.dataDir);
  const { keyrings, demo, demoSecretKeyPath } = await chooseKeyring(config);
  const db = openDb(path.join(config.dataDir, "testigo.sqlite"));
  const store = new SubmissionStore(db, config.dataDir, config.limits);
  const recovered = await store.recover();
  const service = new SubmissionService(store, keyrings);
  const threads = new ThreadStore(db);
  const contacts = new ContactService(store, threads, new ChallengeBook(config.contact));

  const witness = await listen(
    createWitnessApp({
      build,
      service,
      keyrings,
      demo,
      limits: config.limits,
      contacts,
      contactFloorMs: config.contact.floorMs,
      publicDir: path.join(root, "public"),
    }),
    config.witnessPort,
    config.host,
  );
  const editorSettings = loadEditorSettings(process.env);
  if (!editorSettings.ok) throw new StartupError(editorSettings.message);
  const portal = await createEditorPortal({ db, store, threads, keyrings, settings: editorSettings.settings, demo });
  const editor = await listen(
    createEditorApp({ build, portal, store, threads, rootFingerprint: keyrings.rootFingerprint, publicDir: path.join(root, "public") }),
    config.editorPort,
    config.host,
  );

  const sweep = () => {
    store.sweepUnsealed(config.unsealedTtlDays).catch((error: unknown) => {
      console.error(`testigo: sweeping unsealed submissions failed (${error instanceof Error ? error.message : "unknown"})`);
    });
  };
  sweep();
  const timer = setInterval(sweep, SWEEP_INTERVAL_MS);
  timer.unref();
  // The watcher also checks once right away: a keyring signed while the portal was starting
  // would otherwise wait for the first periodic check.
  const keyringWatcher = watchKeyring(keyrings, { intervalMs: config.keyring.checkIntervalMs });

  return {
    witnessUrl: urlOf(witness, config.host),
    editorUrl: urlOf(editor, config.host),
    demo,
    demoSecretKeyPath,
    keyringWarnings: [
      ...keyrings.keyring.warnings,
      // A warning, not a refusal: the bundle is built by `npm run build`, which `npm start` runs
      // with the same environment; a mismatch means a build made elsewhere with another setting.
      ...(config.production && PINNED_ROOT_FINGERPRINT !== keyrings.rootFingerprint
        ? [
            `the browser bundle pins ${PINNED_ROOT_FINGERPRINT === null ? "no root fingerprint" : `root ${PINNED_ROOT_FINGERPRINT}`}, ` +
              `but this keyring's root is ${keyrings.rootFingerprint}: rebuild with TESTIGO_ROOT_FINGERPRINT set (npm run build)`,
          ]
        : []),
    ],
    recovered,
    async close() {
      clearInterval(timer);
      keyringWatcher.close();
      await Promise.all([witness, editor].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      db.close();
    },
  };
}
