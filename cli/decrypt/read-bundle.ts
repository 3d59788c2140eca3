/**
 * Unpacks an export bundle (tar) into a scratch directory, one folder per submission, refusing
 * any entry that is not `<id>/index.json` or `<id>/<part name>` (a hostile bundle must not write
 * outside the scratch directory), then checks every part against its index. Streams entries to
 * disk, so memory stays bounded whatever the bundle's size.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { extract } from "tar-stream";
import { BundleIndexSchema, type BundleIndex } from "../../app/bundle/index-schema";
import { SubmissionIdSchema, parsePartName } from "../../app/envelope/format";

export interface UnpackedSubmission {
  id: string;
  dir: string;
  index: BundleIndex | null;
  problems: string[];
}

function parseJsonOrNull(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export async function unpackBundle(bundleFile: string, scratchDir: string): Promise<UnpackedSubmission[]> {
  const seen = new Map<string, Map<string, string>>();
  const tar = extract();
  const consume = (async () => {
    for await (const entry of tar) {
      const [id, name, ...rest] = entry.header.name.split("/");
      const validId = SubmissionIdSchema.safeParse(id);
      const validName = name === "index.json" || (name !== undefined && parsePartName(name) !== null);
      if (entry.header.type !== "file" || rest.length > 0 || !validId.success || !validName || name === undefined) {
        throw new Error(`bundle entry ${JSON.stringify(entry.header.name)} is not a Testigo part; refusing the bundle`);
      }
      const files = seen.get(validId.data) ?? new Map<string, string>();
      seen.set(validId.data, files);
      if (files.has(name)) throw new Error(`bundle holds ${entry.header.name} twice; refusing the bundle`);
      const dir = path.join(scratchDir, validId.data);
      await mkdir(dir, { recursive: true });
      const hash = createHash("sha256");
      const hashing = new Transform({
        transform(chunk: Buffer, _enc, done) {
          hash.update(chunk);
          done(null, chunk);
        },
      });
      await pipeline(entry, hashing, createWriteStream(path.join(dir, name), { flags: "wx", mode: 0o600 }));
      files.set(name, hash.digest("hex"));
    }
  })();
  await pipeline(createReadStream(bundleFile), tar);
  await consume;

  const result: UnpackedSubmission[] = [];
  for (const [id, files] of seen) {
    const dir = path.join(scratchDir, id);
    const problems: string[] = [];
    let index: BundleIndex | null = null;
    if (files.has("index.json")) {
      const parsed = BundleIndexSchema.safeParse(parseJsonOrNull(await readFile(path.join(dir, "index.json"), "utf8")));
      if (parsed.success && parsed.data.submission === id) index = parsed.data;
      else problems.push("index.json: not a valid index for this submission");
    } else {
      problems.push("index.json: missing");
    }
    if (index) {
      for (const part of index.parts) {
        const actual = files.get(part.name);
        if (actual === undefined) problems.push(`${part.name}: listed in the index but missing from the bundle`);
        else if (actual !== part.sha256) problems.push(`${part.name}: differs from the index (altered in transit?)`);
      }
      const listed = new Set(index.parts.map((p) => p.name));
      for (const name of files.keys()) {
        if (name !== "index.json" && !listed.has(name)) problems.push(`${name}: in the bundle but not in its index`);
      }
    }
    result.push({ id, dir, index, problems });
  }
  return result;
}
