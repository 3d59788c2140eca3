/**
 * `keys retire FPR`: an editor who left, or a key being rotated out. The entry stays (with the day
 * it was retired) so the history of who could read what remains in the signed document; the key
 * file stays too. New submissions stop being encrypted to it once the keyring is signed.
 */
import { utcDay } from "../../server/storage/day";
import { refuse } from "./errors";
import { groupFingerprint } from "./fingerprint";
import { KeysDir } from "./keys-dir";

export interface RetireResult {
  fingerprint: string;
  label: string;
  version: number;
  day: string;
}

export async function retireKey(args: { keysDir: string; fingerprint: string; now?: Date }): Promise<RetireResult> {
  const dir = new KeysDir(args.keysDir);
  const { document } = await dir.readDocument();
  const entry = document.keys.find((k) => k.fingerprint === args.fingerprint);
  const shown = groupFingerprint(args.fingerprint);
  if (!entry) throw refuse(`key ${shown} is not in the keyring`);
  if (entry.status === "retired") throw refuse(`key ${shown} ("${entry.label}") was already retired on ${entry.retired ?? "an earlier day"}`);
  const othersActive = document.keys.some((k) => k.status === "active" && k.fingerprint !== args.fingerprint);
  // With no active key the portal could not accept anything: enrol the replacement first.
  if (!othersActive) throw refuse(`key ${shown} ("${entry.label}") is the last active key; add its replacement before retiring it`);
  const day = utcDay(args.now);
  await dir.writeDocument({
    ...document,
    version: document.version + 1,
    keys: document.keys.map((k) => (k.fingerprint === args.fingerprint ? { ...k, status: "retired", retired: day } : k)),
  });
  return { fingerprint: args.fingerprint, label: entry.label, version: document.version + 1, day };
}
