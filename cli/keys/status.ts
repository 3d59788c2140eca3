/**
 * `keys status`: what the directory says and what the portal would do with it. Every key with its
 * label, status, dates, algorithms and expiry; which keys new submissions are encrypted to; and
 * every warning: policy warnings (expiry soon), keys the policy now refuses, unsigned changes,
 * secret keys in the directory.
 */
import type { PublicKey } from "openpgp";
import { fullPgpConfig } from "../../app/envelope/pgp-config";
import type { KeyringEntry } from "../../app/keyring/document";
import { checkKeyPolicy, type PolicyResult } from "../../app/keyring/policy";
import { ROOT_FILE } from "../../server/keyring/files";
import { groupFingerprint } from "./fingerprint";
import { KeysDir, parseDocument } from "./keys-dir";

export interface KeyStatus {
  entry: KeyringEntry;
  /** null when editors/ has no file for this fingerprint. */
  algorithm: string | null;
  expires: string | null;
  policy: PolicyResult | null;
  encryptsNewSubmissions: boolean;
}

export interface StatusResult {
  dir: string;
  version: number;
  root: string;
  demo: boolean;
  signature: "valid" | "unsigned changes" | "missing";
  lastSignedVersion: number | null;
  keys: KeyStatus[];
  /** What the portal encrypts to now, when the last signed document is visible and differs. */
  signedRecipients: string[] | null;
  warnings: string[];
}

function algorithmName(info: ReturnType<PublicKey["getAlgorithmInfo"]>): string {
  if (info.algorithm.startsWith("rsa")) return `rsa${info.bits ?? "?"}`;
  if (info.curve === "ed25519Legacy" || info.algorithm === "ed25519") return "ed25519";
  if (info.curve === "curve25519Legacy" || info.algorithm === "x25519") return "cv25519";
  return info.curve ? `${info.algorithm}/${info.curve}` : info.algorithm;
}

async function describeKey(key: PublicKey): Promise<{ algorithm: string; expires: string }> {
  const parts = [algorithmName(key.getAlgorithmInfo())];
  for (const sub of key.getSubkeys()) parts.push(algorithmName(sub.getAlgorithmInfo()));
  let expires: string;
  try {
    const when = await key.getExpirationTime(undefined, fullPgpConfig);
    expires = when instanceof Date ? when.toISOString().slice(0, 10) : when === Infinity ? "never" : "unknown";
  } catch {
    expires = "unknown";
  }
  return { algorithm: parts.join(" + "), expires };
}

export async function keysStatus(args: { keysDir: string; now?: Date }): Promise<StatusResult> {
  const dir = new KeysDir(args.keysDir);
  const { document } = await dir.readDocument();
  const warnings: string[] = [];
  const editorKeys = await dir.readEditorKeys();
  const root = await dir.readRootKey();

  if (root === null) warnings.push(`${ROOT_FILE} is missing: the keyring cannot be verified`);
  else if (root.key.getFingerprint().toUpperCase() !== document.root) {
    warnings.push(`${ROOT_FILE} is ${groupFingerprint(root.key.getFingerprint())}, but the document names root ${groupFingerprint(document.root)}`);
  } else {
    const rootPolicy = await checkKeyPolicy(root.key, { now: args.now, needsEncryption: false });
    if (rootPolicy.ok) warnings.push(...rootPolicy.warnings);
    else warnings.push(`root key refused by the key policy, rule "${rootPolicy.rule}": ${rootPolicy.reason}`);
  }

  const state = root === null ? null : await dir.signatureState([root.key]);
  const signature = state?.coversCurrent ? "valid" : (await dir.readSignatureText()) === null ? "missing" : "unsigned changes";
  if (signature !== "valid") {
    const last = state?.lastSigned ? ` (last signed: version ${state.lastSigned.version})` : "";
    warnings.push(
      `version ${document.version} is not signed${last}: the portal refuses this directory until \`testigo keys sign\`, ` +
        "and a running portal keeps the keyring it last loaded",
    );
  }
  if (state?.orphanSignature) warnings.push("keyring.json.asc covers neither keyring.json nor the last signed copy");

  const keys: KeyStatus[] = [];
  for (const entry of document.keys) {
    const found = editorKeys.get(entry.fingerprint);
    if (!found) {
      if (entry.status === "active") warnings.push(`active key ${groupFingerprint(entry.fingerprint)} ("${entry.label}") has no file in editors/`);
      keys.push({ entry, algorithm: null, expires: null, policy: null, encryptsNewSubmissions: false });
      continue;
    }
    const { algorithm, expires } = await describeKey(found.key);
    const policy = await checkKeyPolicy(found.key, { now: args.now, needsEncryption: true });
    if (entry.status === "active") {
      if (policy.ok) warnings.push(...policy.warnings);
      else warnings.push(`active key "${entry.label}" refused by the key policy, rule "${policy.rule}": ${policy.reason}`);
    }
    keys.push({ entry, algorithm, expires, policy, encryptsNewSubmissions: entry.status === "active" && policy.ok });
  }
  if (!keys.some((k) => k.encryptsNewSubmissions)) warnings.push("no active key passes the policy: the portal cannot accept submissions");

  let signedRecipients: string[] | null = null;
  if (state?.lastSigned && !state.coversCurrent) {
    const signedDoc = parseDocument(state.lastSigned.text, "the last signed document");
    signedRecipients = signedDoc.keys.filter((k) => k.status === "active").map((k) => k.fingerprint);
  }

  const secrets = await dir.findSecretKeyFiles();
  if (secrets.length > 0) warnings.push(`secret key material in the keyring directory (it is copied to the server): ${secrets.join(", ")}`);
  if (document.demo) warnings.push("this is a DEMO keyring: production refuses it");

  return {
    dir: dir.dir,
    version: document.version,
    root: document.root,
    demo: document.demo,
    signature,
    lastSignedVersion: state?.lastSigned?.version ?? null,
    keys,
    signedRecipients,
    warnings,
  };
}

export function formatStatus(s: StatusResult): string {
  const lines: string[] = [];
  lines.push(`keyring ${s.dir}: version ${s.version}${s.demo ? " (DEMO)" : ""}`);
  lines.push(`root key:  ${groupFingerprint(s.root)}`);
  lines.push(`signature: ${s.signature}${s.lastSignedVersion !== null && s.signature !== "valid" ? ` (last signed: version ${s.lastSignedVersion})` : ""}`);
  lines.push("");
  for (const k of s.keys) {
    const e = k.entry;
    lines.push(`${groupFingerprint(e.fingerprint)}  "${e.label}"`);
    lines.push(`  status:    ${e.status} (added ${e.added}${e.retired ? `, retired ${e.retired}` : ""})`);
    lines.push(`  key:       ${k.algorithm ?? "MISSING from editors/"}${k.expires ? `, expires ${k.expires}` : ""}`);
    if (k.policy && !k.policy.ok) lines.push(`  policy:    REFUSED, rule "${k.policy.rule}": ${k.policy.reason}`);
    const subkey = k.policy?.ok && k.policy.encryptionKeyId ? ` (encryption subkey ${k.policy.encryptionKeyId.toUpperCase()})` : "";
    lines.push(`  encrypts new submissions: ${k.encryptsNewSubmissions ? `yes${subkey}` : "no"}`);
  }
  lines.push("");
  const recipients = s.keys.filter((k) => k.encryptsNewSubmissions).map((k) => `"${k.entry.label}"`);
  const when = s.signature === "valid" ? "" : " once signed";
  lines.push(`new submissions are encrypted to${when}: ${recipients.length > 0 ? recipients.join(", ") : "NOBODY"}`);
  if (s.signedRecipients !== null) {
    const labels = s.signedRecipients.map((f) => `"${s.keys.find((k) => k.entry.fingerprint === f)?.entry.label ?? groupFingerprint(f)}"`);
    lines.push(`until then (signed version ${s.lastSignedVersion}): ${labels.join(", ")}`);
  }
  if (s.warnings.length > 0) {
    lines.push("");
    lines.push("warnings:");
    for (const w of s.warnings) lines.push(`  - ${w}`);
  }
  return `${lines.join("\n")}\n`;
}
