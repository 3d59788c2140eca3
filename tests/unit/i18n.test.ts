import { describe, expect, it } from "vitest";
import { fingerprintGroups, formatBytes, percent } from "~/i18n/format";
import { langFromRequest, negotiateLang, withLang } from "~/i18n/lang";
import { catalogues } from "~/i18n/messages";
import { SUBMIT_ERROR_CODES } from "~/submit/errors";

/** Every leaf of a catalogue as [path, value], functions called with sample arguments. */
function leaves(value: unknown, path = ""): [string, unknown][] {
  if (typeof value === "function") return [[path, value("x", 2)]];
  if (Array.isArray(value)) return [[path, value.length > 0 ? value.join("") : ""]];
  if (typeof value === "object" && value !== null) return Object.entries(value).flatMap(([k, v]) => leaves(v, `${path}.${k}`));
  return [[path, value]];
}

describe("message catalogues", () => {
  it("Spanish and English have the same keys, none empty", () => {
    const es = leaves(catalogues.es);
    const en = leaves(catalogues.en);
    expect(es.map(([p]) => p)).toEqual(en.map(([p]) => p));
    for (const [path, text] of [...es, ...en]) {
      expect(typeof text, path).toBe("string");
      expect(String(text).trim(), path).not.toBe("");
    }
  });

  it("every submit error has words in both languages", () => {
    for (const code of SUBMIT_ERROR_CODES) {
      expect(catalogues.es.errors[code]).toBeTruthy();
      expect(catalogues.en.errors[code]).toBeTruthy();
    }
  });

  it("lists have the same length in both languages", () => {
    expect(catalogues.es.home.protects.length).toBe(catalogues.en.home.protects.length);
    expect(catalogues.es.home.limits.length).toBe(catalogues.en.home.limits.length);
    expect(catalogues.es.receipt.noTrace.length).toBe(catalogues.en.receipt.noTrace.length);
  });
});

describe("language choice", () => {
  it.each([
    ["es-VE,es;q=0.9,en;q=0.8", "es"],
    ["en-US,en;q=0.9,es;q=0.8", "en"],
    ["fr-FR,es;q=0.5", "es"],
    ["de", "en"],
    ["", "en"],
    ["en;q=0.2,es;q=0.8", "es"],
    ["es;q=0", "en"],
  ])("Accept-Language %j → %s", (header, lang) => {
    expect(negotiateLang(header)).toBe(lang);
  });

  it("?lang wins over the header", () => {
    expect(langFromRequest(new Request("http://x/submit?lang=en", { headers: { "Accept-Language": "es" } }))).toBe("en");
    expect(langFromRequest(new Request("http://x/submit?lang=xx", { headers: { "Accept-Language": "es" } }))).toBe("es");
  });

  it("internal links keep the language", () => {
    expect(withLang("/submit", "es")).toBe("/submit?lang=es");
    expect(withLang("/?lang=en", "es")).toBe("/?lang=es");
  });
});

describe("formatting", () => {
  it("groups fingerprints by four", () => {
    expect(fingerprintGroups("aadccd97eed7901b03c0684b8e4ad24031d51aed")).toEqual(["AADC", "CD97", "EED7", "901B", "03C0", "684B", "8E4A", "D240", "31D5", "1AED"]);
  });
  it("percent reaches 100 only when done", () => {
    expect(percent(999, 1000)).toBe(99);
    expect(percent(1000, 1000)).toBe(100);
    expect(percent(0, 0)).toBe(100);
  });
  it("sizes read naturally", () => {
    expect(formatBytes(9_500_000, "es")).toBe("9,5 MB");
    expect(formatBytes(9_500_000, "en")).toBe("9.5 MB");
    expect(formatBytes(12, "en")).toBe("12 B");
  });
});
