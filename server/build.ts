import { access } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";

function isServerBuild(value: unknown): value is ServerBuild {
  return typeof value === "object" && value !== null && "routes" in value && "entry" in value && "assets" in value;
}

/** The Remix server build (`npm run build` writes it; `npm start` runs the build first). */
export async function loadServerBuild(root: string): Promise<ServerBuild> {
  const file = path.join(root, "build", "index.js");
  try {
    await access(file);
  } catch {
    throw new Error(`no Remix build at ${file}; run \`npm run build\` (npm start does it for you)`);
  }
  const mod: unknown = await import(pathToFileURL(file).href);
  if (!isServerBuild(mod)) throw new Error(`${file} is not a Remix server build`);
  return mod;
}
