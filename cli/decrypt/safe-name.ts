/**
 * Output names for witness-chosen file names. The name comes from an anonymous, possibly hostile
 * sender: it must never choose the directory, overwrite a file, hide itself (leading dot), or
 * carry control characters into an editor's terminal.
 */
const MAX_NAME_BYTES = 150;

export function safeFileName(index: number, witnessName: string): string {
  const base = witnessName.split(/[\\/]/).pop() ?? "";
  const cleaned = base
    .normalize("NFC")
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, "")
    .replace(/[<>:"|?*]/g, "_")
    .replace(/^[.\s]+/, "")
    .replace(/[.\s]+$/, "")
    .trim();
  let name = cleaned.length > 0 ? cleaned : "file";
  while (new TextEncoder().encode(name).length > MAX_NAME_BYTES) name = name.slice(0, -1);
  return `${String(index + 1).padStart(2, "0")}-${name}`;
}
