import type { Lang } from "./lang";
import { messagesFor } from "./messages";

const LOCALES: Record<Lang, string> = { es: "es-VE", en: "en-GB" };

export function formatInteger(n: number, lang: Lang): string {
  return new Intl.NumberFormat(LOCALES[lang], { maximumFractionDigits: 0 }).format(n);
}

/** Decimal units, as phones show file sizes: 1 MB = 1 000 000 bytes. */
export function formatBytes(n: number, lang: Lang): string {
  const units = messagesFor(lang).bytes;
  const steps: [number, string][] = [
    [1e9, units.gb],
    [1e6, units.mb],
    [1e3, units.kb],
  ];
  for (const [size, unit] of steps) {
    if (n >= size) {
      const value = n / size;
      const digits = value < 10 ? 1 : 0;
      const text = new Intl.NumberFormat(LOCALES[lang], { maximumFractionDigits: digits }).format(value);
      return `${text} ${unit}`;
    }
  }
  return `${formatInteger(n, lang)} ${units.b}`;
}

/** Whole percent, never 100 before the work is really complete. */
export function percent(done: number, total: number): number {
  if (total <= 0) return 100;
  if (done >= total) return 100;
  return Math.min(99, Math.floor((done / total) * 100));
}

/** Hex in groups of four, as GnuPG prints fingerprints, so they can be compared by eye. */
export function fingerprintGroups(fingerprint: string): string[] {
  const hex = normalizeFingerprint(fingerprint);
  const groups: string[] = [];
  for (let i = 0; i < hex.length; i += 4) groups.push(hex.slice(i, i + 4));
  return groups;
}

export function normalizeFingerprint(fingerprint: string): string {
  return fingerprint.replace(/[^0-9a-fA-F]/g, "").toUpperCase();
}
