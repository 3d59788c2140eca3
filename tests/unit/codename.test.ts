import { describe, expect, it } from "vitest";
import { CODENAME_WORDS, codenameWords, entropyBits, generateCodename, normalizeCodename, unknownWords } from "~/codename/codename";
import { CODENAME_KDF, deriveCodenameSecrets } from "~/codename/derive";
import { checkSolution, expectedHashes, SOLVE_BATCH, solveChallenge } from "~/codename/pow";
import { WORDLIST_SIZE, loadWordlist, type WordlistLang } from "~/codename/wordlists";

const LANGS: WordlistLang[] = ["es", "en"];

describe("word lists", () => {
  it.each(LANGS)("%s: the stated size, one character set, unique once normalized", async (lang) => {
    const words = await loadWordlist(lang);
    expect(words.length).toBe(WORDLIST_SIZE[lang]);
    for (const word of words) expect(word).toMatch(/^[a-zñáéíóúü]+$/);
    const normalized = words.map(normalizeCodename);
    expect(new Set(normalized).size).toBe(words.length);
    // Every word is one word after normalization: what the witness sees is what derives.
    for (const n of normalized) expect(n).toMatch(/^[a-z]{3,}$/);
  });

  it("the Spanish list is alphabetical, keeps accents and ñ, and leaves out the blocklist", async () => {
    const words = await loadWordlist("es");
    expect([...words].sort((a, b) => a.localeCompare(b, "es"))).toEqual(words);
    expect(words.some((w) => w.includes("ñ"))).toBe(true);
    expect(words.some((w) => /[áéíóú]/.test(w))).toBe(true);
    for (const blocked of ["mierda", "puta", "matar", "muerto", "policía", "cárcel", "testigo", "denuncia", "preso", "espía", "bomba"]) {
      expect(words).not.toContain(blocked);
    }
    for (const w of words) expect(normalizeCodename(w).length).toBeGreaterThanOrEqual(4);
  });

  it("entropy: 7 words give at least 90 bits with either list", () => {
    expect(entropyBits(8192)).toBe(91);
    expect(entropyBits(7776)).toBeCloseTo(90.47, 2);
    expect(entropyBits(WORDLIST_SIZE.en, CODENAME_WORDS)).toBeGreaterThan(90);
  });
});

describe("generateCodename", () => {
  it.each(LANGS)("%s: 7 words from the list, different every time", async (lang) => {
    const words = await loadWordlist(lang);
    const a = generateCodename(words);
    const b = generateCodename(words);
    expect(a.split(" ")).toHaveLength(CODENAME_WORDS);
    for (const word of a.split(" ")) expect(words).toContain(word);
    expect(a).not.toBe(b);
    expect(unknownWords(a, words)).toEqual([]);
  });

  it("refuses a list too short for the stated entropy", () => {
    expect(() => generateCodename(["uno", "dos", "tres", "cuatro", "cinco", "seis", "siete"])).toThrow(/at least 7776/);
  });

  it("draws every index (no modulo gap at the end of the list)", () => {
    const words = Array.from({ length: 7777 }, (_, i) => `w${i}`);
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) for (const w of generateCodename(words).split(" ")) seen.add(w);
    // 14,000 draws over 7,777 words: about 83 % seen, spread over the whole range.
    expect(seen.size).toBeGreaterThan(6000);
    expect([...seen].some((w) => Number(w.slice(1)) >= 7000)).toBe(true);
  });
});

describe("normalizeCodename", () => {
  it("drops accents and diaeresis, folds ñ to n, lower-cases", () => {
    expect(normalizeCodename("Árbol CIGÜEÑA Niño")).toBe("arbol ciguena nino");
  });
  it("collapses punctuation, digits and odd spacing into single spaces", () => {
    expect(normalizeCodename("  casa,\tárbol--perro\n\n gato 42 luna.  ")).toBe("casa arbol perro gato luna");
    expect(normalizeCodename("casa\u00a0arbol\u3000perro")).toBe("casa arbol perro");
  });
  it("handles precomposed and decomposed input alike, and compatibility forms", () => {
    expect(normalizeCodename("a\u0301rbol")).toBe(normalizeCodename("\u00e1rbol"));
    expect(normalizeCodename("ＣＡＳＡ")).toBe("casa");
    expect(normalizeCodename("İNDICE")).toBe("indice");
  });
  it("codenameWords splits; empty input has no words", () => {
    expect(codenameWords(" Casa  ÁRBOL ")).toEqual(["casa", "arbol"]);
    expect(codenameWords(" ,. ")).toEqual([]);
  });
});

describe("unknownWords", () => {
  it("names the words that are on no line of the list, ignoring accents and case", async () => {
    const words = await loadWordlist("es");
    const [w1, w2] = [words[100]!, words[2000]!];
    expect(unknownWords(`${w1.toUpperCase()} ${normalizeCodename(w2)}`, words)).toEqual([]);
    expect(unknownWords(`${w1} qzxv ${w2} blorp`, words)).toEqual(["qzxv", "blorp"]);
    expect(unknownWords("", words)).toEqual([]);
  });
});

describe("deriveCodenameSecrets", () => {
  const CODENAME = "casa arbol perro gato luna sol mar";

  it("matches the pinned vector (scrypt N=2^15 r=8 p=1, then HKDF-SHA256)", async () => {
    expect(CODENAME_KDF).toMatchObject({ N: 32768, r: 8, p: 1, dkLen: 32, salt: "testigo/codename/v1" });
    // Computed once and cross-checked with Node's native crypto.scryptSync + crypto.hkdfSync.
    expect(await deriveCodenameSecrets(CODENAME)).toEqual({
      login: "f9e9739d17ceedd3271f6a5711002c09f69aca65ff18f65cc502b2e03300ec8b",
      keyPassphrase: "5ea7b2e14030b66f1926bc1ebe488e6b5045b75b5c1f34f89d137808c3e65a90",
    });
  });

  it("a codename typed with accents, capitals, punctuation or extra spaces derives the same", async () => {
    const plain = await deriveCodenameSecrets(CODENAME);
    expect(await deriveCodenameSecrets("  Casa  ÁRBOL, perro\tgato – LUNA sol mar. ")).toEqual(plain);
  });

  it("different codenames differ; login and key passphrase are independent; progress is reported", async () => {
    const progress: number[] = [];
    const a = await deriveCodenameSecrets(CODENAME, { onProgress: (f) => progress.push(f) });
    const b = await deriveCodenameSecrets("casa arbol perro gato luna sol mares");
    expect(a.login).not.toBe(b.login);
    expect(a.keyPassphrase).not.toBe(b.keyPassphrase);
    expect(a.login).not.toBe(a.keyPassphrase);
    expect(a.login).toMatch(/^[0-9a-f]{64}$/);
    expect(a.keyPassphrase).toMatch(/^[0-9a-f]{64}$/);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toBe(1);
  });

  it("refuses an empty codename", async () => {
    await expect(deriveCodenameSecrets(" ,. ")).rejects.toThrow(/empty/);
  });
});

describe("proof of work", () => {
  const CHALLENGE = "ab".repeat(32);

  it("a solved challenge checks; the expected effort is 2^bits", async () => {
    const nonce = await solveChallenge(CHALLENGE, 12);
    expect(nonce).toMatch(/^(0|[1-9]\d*)$/);
    expect(checkSolution(CHALLENGE, 12, nonce)).toBe(true);
    expect(checkSolution(`${CHALLENGE}x`, 12, nonce) && checkSolution(CHALLENGE, 24, nonce)).toBe(false);
    expect(expectedHashes(12)).toBe(4096);
  });

  it("refuses a wrong nonce at 8 bits or more", async () => {
    const nonce = await solveChallenge(CHALLENGE, 8);
    // The nonces below the first solution are, by construction, not solutions.
    for (let n = 0; n < Number(nonce); n++) expect(checkSolution(CHALLENGE, 8, String(n))).toBe(false);
    expect(checkSolution(CHALLENGE, 8, "not-a-number")).toBe(false);
  });

  it("0 bits accepts any well-formed nonce; leading zeros, signs and long nonces are refused", () => {
    expect(checkSolution(CHALLENGE, 0, "0")).toBe(true);
    expect(checkSolution(CHALLENGE, 0, "123456")).toBe(true);
    expect(checkSolution(CHALLENGE, 0, "9999999999999999")).toBe(true);
    for (const bad of ["007", "00", "", "-1", "+1", "1.0", "1e3", " 1", "12345678901234567"]) {
      expect(checkSolution(CHALLENGE, 0, bad)).toBe(false);
    }
    expect(checkSolution(CHALLENGE, -1, "0")).toBe(false);
    expect(checkSolution(CHALLENGE, 1.5, "0")).toBe(false);
  });

  it("Web Crypto batches find the smallest solving nonce, the same the pure-JS loop finds", async () => {
    expect(globalThis.crypto.subtle).toBeDefined();
    for (const [i, bits] of [0, 1, 4, 8, 10, 13].entries()) {
      // Several challenges, so a solution falls in the middle of a batch, not only at its start.
      const challenge = `${CHALLENGE.slice(0, 60)}${String(i).padStart(4, "0")}`;
      const nonce = await solveChallenge(challenge, bits);
      expect(checkSolution(challenge, bits, nonce)).toBe(true);
      for (let n = 0; n < Number(nonce); n++) expect(checkSolution(challenge, bits, String(n))).toBe(false);
      expect(await solveChallenge(challenge, bits, { engine: "noble" })).toBe(nonce);
    }
  });

  it("a solution beyond the first batch is found and is still the smallest", async () => {
    // 12 bits: 4096 hashes expected, so the answer is almost surely past the first 512.
    let found = false;
    for (let i = 0; i < 8 && !found; i++) {
      const challenge = `${"cd".repeat(31)}${String(i).padStart(4, "0")}`;
      const nonce = await solveChallenge(challenge, 12);
      expect(checkSolution(challenge, 12, nonce)).toBe(true);
      for (let n = 0; n < Number(nonce); n++) expect(checkSolution(challenge, 12, String(n))).toBe(false);
      found = Number(nonce) >= SOLVE_BATCH;
    }
    expect(found).toBe(true);
  });

  it("an already aborted signal stops before any work", async () => {
    const controller = new AbortController();
    controller.abort(new Error("gone"));
    await expect(solveChallenge(CHALLENGE, 4, { signal: controller.signal })).rejects.toThrow(/gone/);
    await expect(solveChallenge(CHALLENGE, 65)).rejects.toThrow(RangeError);
  });

  it("the pure-JS fallback also yields and honours an abort signal", async () => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error("fallback stopped")), 5);
    await expect(solveChallenge(CHALLENGE, 40, { signal: controller.signal, engine: "noble" })).rejects.toThrow(/fallback stopped/);
    clearTimeout(timer);
  });

  it("yields to the event loop and honours an abort signal", async () => {
    const controller = new AbortController();
    let ticks = 0;
    const timer = setInterval(() => {
      ticks++;
      if (ticks === 2) controller.abort(new Error("stopped by the test"));
    }, 1);
    // 40 bits would take hours: only an abort ends it.
    await expect(solveChallenge(CHALLENGE, 40, { signal: controller.signal })).rejects.toThrow(/stopped by the test/);
    clearInterval(timer);
    expect(ticks).toBeGreaterThanOrEqual(2);
  });
});
