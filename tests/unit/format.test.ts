import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { expectedParts, parsePartName, partName, type PartRef } from "~/envelope/format";
import { safeFileName } from "../../cli/decrypt/safe-name";

describe("part names", () => {
  it("round-trip", () => {
    const refs: PartRef[] = [{ kind: "manifest" }, { kind: "header", file: 0 }, { kind: "header", file: 999 }, { kind: "chunk", file: 3, chunk: 123456 }];
    for (const ref of refs) expect(parsePartName(partName(ref))).toEqual(ref);
  });

  it("refuse anything else", () => {
    for (const bad of ["", "chunk-01-1", "header-1000", "chunk-1", "../manifest", "manifest/", "header--1", "chunk-1-01", "Manifest", "header-0 "]) {
      expect(parsePartName(bad), bad).toBeNull();
    }
    fc.assert(
      fc.property(fc.string(), (s) => {
        const ref = parsePartName(s);
        if (ref) expect(partName(ref)).toBe(s);
      }),
      { numRuns: 3000 },
    );
  });

  it("a seal request implies headers, every chunk, and the manifest", () => {
    expect(expectedParts({ format: 1, files: [{ chunks: 2 }, { chunks: 1 }] }).map(partName)).toEqual([
      "header-0", "chunk-0-0", "chunk-0-1", "header-1", "chunk-1-0", "manifest",
    ]);
  });
});

describe("output names for witness-chosen file names", () => {
  it("cannot escape the output directory, hide, or carry control characters", () => {
    expect(safeFileName(0, "../../etc/passwd")).toBe("01-passwd");
    expect(safeFileName(1, "..\\..\\boot.ini")).toBe("02-boot.ini");
    expect(safeFileName(2, ".bashrc")).toBe("03-bashrc");
    expect(safeFileName(3, "")).toBe("04-file");
    expect(safeFileName(4, "..")).toBe("05-file");
    expect(safeFileName(5, "a\u0000b\u001b[31mc\u202Egnp.exe")).toBe("06-ab[31mcgnp.exe");
    fc.assert(
      fc.property(fc.nat(998), fc.string({ unit: "binary" }), (i, name) => {
        const safe = safeFileName(i, name);
        expect(safe).not.toMatch(/[/\\]/);
        expect([...safe].every((ch) => ch.charCodeAt(0) >= 0x20)).toBe(true);
        expect(safe.startsWith(".")).toBe(false);
        expect(new TextEncoder().encode(safe).length).toBeLessThanOrEqual(160);
      }),
      { numRuns: 3000 },
    );
  });
});
