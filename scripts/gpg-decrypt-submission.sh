#!/usr/bin/env bash
# Decrypt and verify one Testigo submission with plain GnuPG 2.2 (what Tails ships).
#
#   scripts/gpg-decrypt-submission.sh [--id SUBMISSION_ID] SUBMISSION_DIR OUT_DIR
#
# SUBMISSION_DIR holds the stored parts of one submission (header-F, chunk-F-C, manifest), e.g. a
# copy of the server's blobs/<id>/ folder or a bundle's <id>/ folder (its index.json, and a
# thread's thread.json, witness-key.pgp and replies/ are skipped: `gpg -d replies/ID.pgp` reads a
# reply). OUT_DIR must not exist yet (or be empty); it receives
#   file-F          the decrypted, verified files (named by index, never by the sender's name)
#   manifest.json   the decrypted manifest (report, file names and types, hashes), padding removed
#   report.txt      a readable summary
# Needs: gpg (2.2+), coreutils, python3 (JSON only: Tails ships python3 but not jq).
# The editor's secret key must be in the GnuPG keyring (GNUPGHOME or ~/.gnupg).
#
# What is checked, so an editor can tell if a part was dropped, reordered or altered:
#   - the manifest decrypts with an editor key, with integrity protection (MDC), AES-256;
#   - every stored part is listed in the manifest and nothing listed is missing;
#   - the SHA-256 of every stored ciphertext part equals the manifest's;
#   - every part's literal-data name is testigo/1:<id>:<part>, binding it to its place;
#   - each header's description agrees with the manifest, and the manifest knows the chunk key;
#   - chunk lengths add up to the padded size, the padding is zeros, and the file's SHA-256
#     equals the manifest's.
# Any failure stops with exit status 1; files are renamed from file-F.partial to file-F only
# once every check for them has passed.
set -euo pipefail
umask 077

die() {
  printf 'gpg-decrypt-submission: %s\n' "$*" >&2
  exit 1
}

usage() {
  # The comment block at the top of this file is the usage text.
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
  exit 2
}

expected_id=""
while [ $# -gt 0 ]; do
  case "$1" in
    --id) [ $# -ge 2 ] || usage; expected_id="$2"; shift 2 ;;
    -h | --help) usage ;;
    --) shift; break ;;
    -*) die "unknown option $1" ;;
    *) break ;;
  esac
done
[ $# -eq 2 ] || usage
in_dir="$1"
out_dir="$2"

for tool in gpg python3 sha256sum truncate cmp stat; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is required"
done
[ -d "$in_dir" ] || die "$in_dir is not a directory"
[ -f "$in_dir/manifest" ] || die "$in_dir/manifest is missing: without it nothing can be verified"
if [ -e "$out_dir" ] && [ -n "$(ls -A "$out_dir")" ]; then
  die "$out_dir exists and is not empty; choose a new output folder"
fi
mkdir -p "$out_dir"
in_dir="$(cd "$in_dir" && pwd)"
out_dir="$(cd "$out_dir" && pwd)"
# Plaintext descriptions live next to the output, not in /tmp (which may be on a persistent disk
# of a non-Tails machine); removed at the end.
work="$out_dir/.work"
mkdir "$work"
trap 'rm -rf "$work"' EXIT

id_re='^[0-9a-f]{32}$'
if [ -z "$expected_id" ]; then
  base="$(basename "$in_dir")"
  if [[ "$base" =~ $id_re ]]; then expected_id="$base"; fi
fi
if [ -n "$expected_id" ] && ! [[ "$expected_id" =~ $id_re ]]; then
  die "the submission id must be 32 lowercase hex characters"
fi

# gpg_open IN OUT EXPECTED_LITERAL_NAME [CHUNK_KEY_HEX]
# Decrypts one part to OUT (always an explicit -o: the sender's literal file name is never used as
# a path) and checks gpg's status lines: integrity protected (GOODMDC), AES-256, exactly one
# literal-data packet, named as expected. With a key, decrypts a lone SEIPD packet with it; the key
# goes through a file descriptor, never argv, so other users cannot read it in `ps`.
gpg_open() {
  local in="$1" out="$2" name="$3" key="${4:-}" status="$work/status" err rc=0
  local -a args=(--batch --no-tty --yes --status-fd 3 --no-use-embedded-filename -o "$out")
  if [ -n "$key" ]; then
    # 9 = AES-256. gpg prints the override key on stderr as a debug line; stderr is kept in a
    # variable and shown only when something fails.
    err="$(gpg "${args[@]}" --override-session-key-fd 4 --decrypt "$in" 2>&1 3>"$status" 4< <(printf '9:%s\n' "$key"))" || rc=$?
  else
    err="$(gpg "${args[@]}" --decrypt "$in" 2>&1 3>"$status")" || rc=$?
  fi
  if [ "$rc" -ne 0 ] || ! grep -q '^\[GNUPG:\] DECRYPTION_OKAY' "$status"; then
    printf '%s\n' "$err" | grep -v 'DBG: seskey' >&2 || true
    die "$(basename "$in"): gpg could not decrypt it (no matching secret key, or the part is damaged)"
  fi
  grep -q '^\[GNUPG:\] GOODMDC' "$status" || die "$(basename "$in"): not integrity protected"
  grep -Eq '^\[GNUPG:\] DECRYPTION_INFO 2 9( |$)' "$status" || die "$(basename "$in"): not AES-256 with MDC"
  local plain
  plain="$(grep '^\[GNUPG:\] PLAINTEXT ' "$status" || true)"
  [ "$(printf '%s\n' "$plain" | grep -c .)" -eq 1 ] || die "$(basename "$in"): expected exactly one literal-data packet"
  local got="${plain#* PLAINTEXT * * }"
  [ "$got" = "$name" ] || die "$(basename "$in"): bound to \"$got\", expected \"$name\" (moved, swapped or replaced)"
}

# --- 1. the manifest --------------------------------------------------------------------------
if [ -z "$expected_id" ]; then
  # Folder not named after the submission: take the id the manifest's literal name claims, then
  # hold every other part to it.
  # In a subshell: the probe's name check is meant to fail, and die() would end the script.
  (gpg_open "$in_dir/manifest" "$work/manifest.raw" "__probe__") 2>/dev/null || true
  claimed="$(sed -n 's/^\[GNUPG:\] PLAINTEXT [^ ]* [^ ]* testigo\/1:\([0-9a-f]\{32\}\):manifest$/\1/p' "$work/status")"
  [ -n "$claimed" ] || die "cannot tell the submission id; name the folder after it or pass --id"
  expected_id="$claimed"
  printf 'note: folder is not named after the submission; using the id in the manifest: %s\n' "$expected_id"
fi
gpg_open "$in_dir/manifest" "$work/manifest.raw" "testigo/1:$expected_id:manifest"

# Checks the manifest's structure and writes:
#   manifest.json  pretty, padding gone       parts.sha256   sha256sum -c list of every chunk
#   (headers are checked above: the manifest commits to their encrypted packet, not their PKESKs)
#   files.txt      "F CHUNKS SIZE PADDED CHUNKSIZE SHA256 KEYSHA256" per file
python3 - "$work/manifest.raw" "$expected_id" "$in_dir" "$out_dir/manifest.json" "$work/parts.sha256" "$work/files.txt" <<'PY'
import hashlib, json, os, re, sys
raw, sid, in_dir, out_json, out_sums, out_files = sys.argv[1:]
def seipd_sha(p):
    # The manifest commits to a header's final encrypted packet (tag 18) only, from its first
    # header byte to the end: key rotation rewraps the PKESKs before it, never the packet itself.
    b = open(p, "rb").read()
    pos, last = 0, None
    while pos < len(b):
        start, first = pos, b[pos]; pos += 1
        if not first & 0x80: raise ValueError(f"{p}: not an OpenPGP packet stream")
        if first & 0x40:
            tag = first & 0x3F
            while True:
                l0 = b[pos]; pos += 1
                if l0 < 192: n, partial = l0, False
                elif l0 < 224: n, partial = ((l0 - 192) << 8) + b[pos] + 192, False; pos += 1
                elif l0 == 255: n, partial = int.from_bytes(b[pos:pos + 4], "big"), False; pos += 4
                else: n, partial = 1 << (l0 & 0x1F), True
                pos += n
                if not partial: break
        else:
            tag, t = (first >> 2) & 0x0F, first & 3
            if t == 3: raise ValueError(f"{p}: indeterminate packet length")
            k = (1, 2, 4)[t]
            pos += k + int.from_bytes(b[pos:pos + k], "big")
        if pos > len(b): raise ValueError(f"{p}: truncated packet")
        last = (tag, start)
    if not last or last[0] != 18: raise ValueError(f"{p}: does not end in an encrypted-data packet")
    return hashlib.sha256(b[last[1]:]).hexdigest()
HEX64 = re.compile(r"^[0-9a-f]{64}$")
def fail(msg):
    print(f"gpg-decrypt-submission: manifest: {msg}", file=sys.stderr); sys.exit(1)
def is_int(v, lo, hi):
    return isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi
try:
    m = json.loads(open(raw, "rb").read().decode("utf-8"))
except Exception as e:
    fail(f"not UTF-8 JSON ({e})")
# A follow-up's manifest also names its thread (the witness's first submission).
if not isinstance(m, dict) or set(m) - {"thread"} != {"format", "submission", "language", "report", "files"}:
    fail("unexpected fields")
if "thread" in m and not (isinstance(m["thread"], str) and re.fullmatch(r"[0-9a-f]{32}", m["thread"])):
    fail("bad thread")
if m["format"] != "testigo/1": fail("format is not testigo/1")
if m["submission"] != sid: fail(f"names submission {m['submission']!r}, expected {sid}")
if m["language"] not in ("es", "en"): fail("bad language")
r = m["report"]
if not isinstance(r, dict) or set(r) != {"what", "where", "when", "who"} or not all(isinstance(v, str) for v in r.values()):
    fail("bad report")
files = m["files"]
if not isinstance(files, list) or len(files) > 1000: fail("bad file list")
sums, rows, expected, header_checks = [], [], {"manifest"}, []
keys = {"file", "name", "type", "size", "paddedSize", "chunkSize", "chunks", "sha256", "chunkKeySha256", "parts"}
for i, f in enumerate(files):
    if not isinstance(f, dict) or set(f) != keys: fail(f"file {i}: unexpected fields")
    if f["file"] != i: fail(f"file {i}: listed with index {f['file']!r}")
    if not isinstance(f["name"], str) or not isinstance(f["type"], str): fail(f"file {i}: bad name/type")
    if not (is_int(f["size"], 0, 2**53) and is_int(f["paddedSize"], f["size"], 2**53)
            and is_int(f["chunkSize"], 1, 8 * 1024 * 1024) and is_int(f["chunks"], 1, 1_000_000)):
        fail(f"file {i}: bad sizes")
    if f["chunks"] != max(1, -(-f["paddedSize"] // f["chunkSize"])): fail(f"file {i}: chunk count does not match sizes")
    p = f["parts"]
    if not isinstance(p, dict) or set(p) != {"header", "chunks"} or not isinstance(p["chunks"], list) or len(p["chunks"]) != f["chunks"]:
        fail(f"file {i}: bad part list")
    for h in [f["sha256"], f["chunkKeySha256"], p["header"], *p["chunks"]]:
        if not isinstance(h, str) or not HEX64.match(h): fail(f"file {i}: bad hash")
    expected.add(f"header-{i}")
    header_checks.append((i, p["header"]))
    for c, h in enumerate(p["chunks"]):
        sums.append(f"{h}  chunk-{i}-{c}")
        expected.add(f"chunk-{i}-{c}")
    rows.append(f"{i} {f['chunks']} {f['size']} {f['paddedSize']} {f['chunkSize']} {f['sha256']} {f['chunkKeySha256']}")
# A bundle's own files are not parts: its index, and in a thread's first submission the thread's
# index, the witness's public key and the replies (each an ordinary message: gpg -d decrypts it).
present = set(os.listdir(in_dir)) - {"index.json", "thread.json", "witness-key.pgp", "replies"}
missing = sorted(expected - present)
extra = sorted(present - expected)
if missing: fail(f"parts listed but missing (dropped?): {', '.join(missing[:20])}")
if extra: fail(f"parts present but not listed (added or misnamed): {', '.join(extra[:20])}")
for i, want in header_checks:
    try:
        got = seipd_sha(os.path.join(in_dir, f"header-{i}"))
    except (ValueError, IndexError) as e:
        fail(f"header-{i}: malformed ({e})")
    if got != want: fail(f"header-{i}: its encrypted packet's SHA-256 differs from the manifest (altered or swapped)")
with open(out_json, "w", encoding="utf-8") as o:
    json.dump(m, o, ensure_ascii=False, indent=2); o.write("\n")
open(out_sums, "w").write("\n".join(sums) + ("\n" if sums else ""))
open(out_files, "w").write("\n".join(rows) + ("\n" if rows else ""))
PY

# --- 2. every ciphertext part against the manifest --------------------------------------------
if [ -s "$work/parts.sha256" ]; then
  (cd "$in_dir" && sha256sum --quiet --strict -c "$work/parts.sha256") ||
    die "a stored part's SHA-256 differs from the manifest (altered or swapped part)"
fi

# --- 3. each file: header, chunks, padding, hash ----------------------------------------------
# The list is read on fd 5 so nothing inside the loop (gpg, python3) can consume it from stdin.
while read -r f chunks size padded chunk_size sha _ <&5; do
  gpg_open "$in_dir/header-$f" "$work/header-$f.json" "testigo/1:$expected_id:header-$f"
  # The description must agree with the manifest, and the manifest must know the chunk key (only
  # someone who had the key could write its hash). Prints the chunk key on success.
  chunk_key="$(python3 - "$work/header-$f.json" "$out_dir/manifest.json" "$expected_id" "$f" <<'PY'
import hashlib, json, re, sys
path, manifest_path, sid, f = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def fail(msg):
    print(f"gpg-decrypt-submission: header-{f}: {msg}", file=sys.stderr); sys.exit(1)
try:
    d = json.loads(open(path, "rb").read().decode("utf-8"))
except Exception as e:
    fail(f"not UTF-8 JSON ({e})")
want = {"format", "submission", "file", "name", "type", "size", "paddedSize", "chunkSize", "chunks", "chunkKey"}
if not isinstance(d, dict) or set(d) != want: fail("unexpected fields")
if d["format"] != "testigo/1" or d["submission"] != sid or d["file"] != f: fail("describes another file or submission")
if not isinstance(d["chunkKey"], str) or not re.fullmatch(r"[0-9a-f]{64}", d["chunkKey"]): fail("bad chunk key")
m = json.load(open(manifest_path, encoding="utf-8"))["files"][f]
for k in ("name", "type", "size", "paddedSize", "chunkSize", "chunks"):
    if d[k] != m[k] or type(d[k]) is not type(m[k]): fail(f"{k} differs from the manifest")
if hashlib.sha256(bytes.fromhex(d["chunkKey"])).hexdigest() != m["chunkKeySha256"]:
    fail("the manifest was not written with this file's chunk key")
print(d["chunkKey"])
PY
)" || die "header-$f does not match the manifest"
  rm -f "$work/header-$f.json"

  partial="$out_dir/file-$f.partial"
  : >"$partial"
  for ((c = 0; c < chunks; c++)); do
    gpg_open "$in_dir/chunk-$f-$c" "$work/chunk" "testigo/1:$expected_id:chunk-$f-$c" "$chunk_key"
    want=$((padded - c * chunk_size))
    [ "$want" -gt "$chunk_size" ] && want=$chunk_size
    [ "$(stat -c %s "$work/chunk")" -eq "$want" ] || die "chunk-$f-$c: $(stat -c %s "$work/chunk") bytes, expected $want"
    cat "$work/chunk" >>"$partial"
    rm -f "$work/chunk"
  done
  [ "$(stat -c %s "$partial")" -eq "$padded" ] || die "file $f: chunks do not add up to the padded size"
  pad=$((padded - size))
  if [ "$pad" -gt 0 ]; then
    tail -c "$pad" "$partial" | cmp -s -n "$pad" - /dev/zero || die "file $f: padding is not all zeros"
  fi
  truncate -s "$size" "$partial"
  got="$(sha256sum "$partial" | cut -d' ' -f1)"
  [ "$got" = "$sha" ] || die "file $f: SHA-256 $got differs from the manifest's $sha"
  mv "$partial" "$out_dir/file-$f"
done 5<"$work/files.txt"

# --- 4. a readable summary --------------------------------------------------------------------
python3 - "$out_dir/manifest.json" "$out_dir/report.txt" <<'PY'
import json, sys
m = json.load(open(sys.argv[1], encoding="utf-8"))
r = m["report"]
lines = [f"Submission {m['submission']} (language: {m['language']}): every part verified.", ""]
if "thread" in m:
    lines[1:1] = [f"A follow-up in the thread of submission {m['thread']} (named by the witness, inside the encryption)."]
for k in ("what", "where", "when", "who"):
    lines.append(f"{k}: {r[k]}")
lines.append("")
for f in m["files"]:
    # The name is the sender's claim: shown JSON-quoted, never used as a path.
    lines.append(f"file-{f['file']}: name {json.dumps(f['name'], ensure_ascii=False)}, type {json.dumps(f['type'])}, "
                 f"{f['size']} bytes, sha256 {f['sha256']}")
open(sys.argv[2], "w", encoding="utf-8").write("\n".join(lines) + "\n")
PY
printf 'verified and decrypted submission %s into %s\n' "$expected_id" "$out_dir"
