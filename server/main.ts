/**
 * `npm start`: the portal on embedded defaults. Prints where it listens; in demo mode, loudly, and
 * where the demo editor secret key is. Refuses to start on invalid configuration or keyring.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "./config";
import { startPortal } from "./start";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

async function main(): Promise<number> {
  const loaded = loadConfig();
  if (!loaded.ok) {
    console.error(`testigo: ${loaded.message}`);
    return 1;
  }
  // Testigo's own production/demo decision is in the config now. The libraries (React, React
  // Router) always run their production builds: development builds log request URLs.
  process.env.NODE_ENV = "production";
  let portal;
  try {
    portal = await startPortal(loaded.config, root);
  } catch (error) {
    console.error(`testigo: refusing to start: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  const out = process.stdout;
  if (portal.demo) {
    out.write(
      [
        "",
        "#################################################################",
        "#  DEMO MODE: the keyring was generated on this machine.        #",
        "#  Do NOT submit real material. Configure a signed keyring.     #",
        "#################################################################",
        portal.demoSecretKeyPath ? `testigo: demo editor secret key (unprotected): ${portal.demoSecretKeyPath}` : "",
        "",
      ].join("\n"),
    );
  }
  for (const warning of portal.keyringWarnings) out.write(`testigo: keyring warning: ${warning}\n`);
  if (portal.recovered.removedTemp + portal.recovered.removedOrphans > 0) {
    out.write(`testigo: recovery removed ${portal.recovered.removedTemp} temp and ${portal.recovered.removedOrphans} orphan files\n`);
  }
  if (portal.recovered.missing > 0) {
    console.error(`testigo: ${portal.recovered.missing} recorded parts are missing from the blob store`);
  }
  out.write(`testigo: witness portal listening on ${portal.witnessUrl}\n`);
  out.write(`testigo: editor interface listening on ${portal.editorUrl}\n`);

  const stop = () => {
    portal.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return 0;
}

main().then((code) => {
  if (code !== 0) process.exit(code);
});
