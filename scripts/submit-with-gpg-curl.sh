#!/usr/bin/env bash
# Submit a report and files to a Testigo portal with only gpg (2.2+), curl, coreutils and python3
# (python3 reads and writes JSON; Tails ships it, but not jq).
#
#   scripts/submit-with-gpg-curl.sh --portal URL --root-fingerprint FPR [options] [--] FILE...
#   scripts/submit-with-gpg-curl.sh --resume WORK_DIR [--proxy URL]
#   scripts/submit-with-gpg-curl.sh --print-padded-size BYTES
#
# Options:
#   --portal URL              the portal's address (http://....onion, or http://127.0.0.1:3000)
#   --root-fingerprint FPR    the organisation's root key fingerprint, as it publishes it
#   --report FILE|-           the written report (UTF-8). Optional leading lines "where: ...",
#                             "when: ...", "who: ..." (or dónde/cuándo/quién), then a blank line,
#                             then the free text. "-" reads it from stdin (nothing in shell history).
#   --language es|en          language of the report (default es)
#   --proxy URL               passed to curl, e.g. socks5h://127.0.0.1:9050 for Tor on Tails
#   --chunk-size BYTES        plaintext per chunk (default 2097152, at most 8388608)
#   --allow-demo              submit even if the portal runs on a DEMO keyring (tests only)
#   --keep-work-dir           keep the ciphertext work folder after a successful seal
#   --no-upload               only build the encrypted parts; send them later with --resume
#
# The work folder (ciphertext only, no plaintext) is printed at the start; if the connection
# drops, run again with --resume WORK_DIR: parts the server already holds are skipped.

# shellcheck disable=SC2015 # "test && test || die" is meant: die when either test fails.
set -euo pipefail
umask 077

readonly CHUNK_DEFAULT=$((2 * 1024 * 1024))
readonly CHUNK_MAX=$((8 * 1024 * 1024))
readonly MIN_PADDED=4096
readonly HEADER_PADDED=2048
readonly MANIFEST_MIN_PADDED=8192

die() {
  printf 'submit-with-gpg-curl: %s\n' "$*" >&2
  exit 1
}
say() { printf '%s\n' "$*" >&2; }
usage() {
  # The comment block at the top of this file is the usage text.
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
  exit 2
}

# Padmé (app/envelope/padding.ts): keep only O(log log L) bits of a length, at most ~12 % overhead.
padme() {
  local L=$1 e=0 s=0 t
  if [ "$L" -lt 2 ]; then printf '%s\n' "$L"; return; fi
  t=$L; while [ "$t" -gt 1 ]; do t=$((t >> 1)); e=$((e + 1)); done   # e = floor(log2 L)
  t=$e; while [ "$t" -gt 1 ]; do t=$((t >> 1)); s=$((s + 1)); done   # floor(log2 e)
  s=$((s + 1))
  local unit=$((1 << (e - s)))
  printf '%s\n' $(((L + unit - 1) / unit * unit))
}
padded_size() {
  local L=$1
  [ "$L" -lt "$MIN_PADDED" ] && L=$MIN_PADDED
  padme "$L"
}

portal="" root_fpr="" report="" language="es" proxy="" chunk_size=$CHUNK_DEFAULT
allow_demo=0 keep_work=0 upload=1 resume=""
while [ $# -gt 0 ]; do
  case "$1" in
    --portal) [ $# -ge 2 ] || usage; portal="${2%/}"; shift 2 ;;
    --root-fingerprint) [ $# -ge 2 ] || usage; root_fpr="$(printf '%s' "$2" | tr -d ' ' | tr 'a-f' 'A-F')"; shift 2 ;;
    --report) [ $# -ge 2 ] || usage; report="$2"; shift 2 ;;
    --language) [ $# -ge 2 ] || usage; language="$2"; shift 2 ;;
    --proxy) [ $# -ge 2 ] || usage; proxy="$2"; shift 2 ;;
    --chunk-size) [ $# -ge 2 ] || usage; chunk_size="$2"; shift 2 ;;
    --allow-demo) allow_demo=1; shift ;;
    --keep-work-dir) keep_work=1; shift ;;
    --no-upload) upload=0; shift ;;
    --resume) [ $# -ge 2 ] || usage; resume="$2"; shift 2 ;;
    --print-padded-size)
      [ $# -ge 2 ] && [[ "$2" =~ ^[0-9]{1,15}$ ]] || usage
      padded_size "$2"; exit 0 ;;
    -h | --help) usage ;;
    --) shift; break ;;
    -*) die "unknown option $1" ;;
    *) break ;;
  esac
done

for tool in gpg gpgconf curl python3 sha256sum od dd head tail stat mktemp; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is required"
done

# curl: no User-Agent (one fingerprint fewer), no redirects to elsewhere, only http(s).
curl_base=(curl -sS --proto '=http,https' -H 'User-Agent:' --connect-timeout 60)
[ -n "$proxy" ] && curl_base+=(--proxy "$proxy")

# ---------------------------------------------------------------------------------------------
# Upload (also the whole of --resume): PUT every part the server does not hold yet, then seal.
# ---------------------------------------------------------------------------------------------
upload_and_seal() {
  local work="$1" id url stored code resp name local_sha attempt
  id="$(cat "$work/id")"
  url="$(cat "$work/portal")/api/v1/submissions/$id"
  resp="$work/response"
  # What the server already holds (the resume point); 404 means nothing yet.
  code="$("${curl_base[@]}" -o "$resp" -w '%{http_code}' "$url" || true)"
  stored=""
  if [ "$code" = 200 ]; then
    # "name sha256" of every part the server holds.
    stored="$(python3 -c '
import json, sys
for p in json.load(open(sys.argv[1])).get("parts", []): print(p["name"], p["sha256"])
' "$resp")" || stored=""
  fi
  while read -r name <&5; do
    local_sha="$(sha256sum "$work/parts/$name" | cut -d' ' -f1)"
    # Here-strings, not "printf | grep -q": with pipefail, grep -q exiting at the first match
    # can kill printf with SIGPIPE (status 141) and turn a match into a failure.
    if grep -qxF "$name $local_sha" <<<"$stored"; then continue; fi
    for attempt in 1 2 3 4 5 6; do
      # Expect: off, so curl does not wait for "100 Continue" (a round trip over Tor).
      code="$("${curl_base[@]}" -X PUT -H 'Content-Type: application/octet-stream' -H 'Expect:' \
        --data-binary @"$work/parts/$name" -o "$resp" -w '%{http_code}' "$url/parts/$name" || true)"
      case "$code" in
        200 | 201) break ;;
        000 | 5??) [ "$code" = 507 ] && die "PUT $name: the server is out of space (507); try --resume later: $work"
          [ "$attempt" = 6 ] && break
          # Slow links drop (Tor circuits, power cuts): back off and try the same bytes again.
          say "PUT $name: ${code/000/no connection}; retrying in $((attempt * 5)) s"
          sleep $((attempt * 5)) ;;
        *) die "PUT $name: HTTP $code $(cat "$resp" 2>/dev/null)" ;;
      esac
    done
    case "$code" in 200 | 201) ;; *) die "PUT $name failed; resume with: $0 --resume $work" ;; esac
    grep -q "\"sha256\":\"$local_sha\"" "$resp" || die "PUT $name: the server stored different bytes"
  done 5<"$work/order"
  code="$("${curl_base[@]}" -X POST -H 'Content-Type: application/json' --data-binary @"$work/seal.json" \
    -o "$resp" -w '%{http_code}' "$url/seal" || true)"
  [ "$code" = 200 ] || die "seal: HTTP $code $(cat "$resp" 2>/dev/null); resume with: $0 --resume $work"
  say "sealed: submission $id"
}

if [ -n "$resume" ]; then
  [ -f "$resume/order" ] && [ -f "$resume/seal.json" ] || die "$resume is not a work folder of this script"
  upload_and_seal "$resume"
  cat "$resume/receipt.txt"
  rm -rf "$resume"
  exit 0
fi

[ -n "$portal" ] || die "--portal is required"
[[ "$root_fpr" =~ ^[0-9A-F]{40}$ ]] || die "--root-fingerprint must be the 40-hex-digit fingerprint the organisation publishes"
[[ "$language" =~ ^(es|en)$ ]] || die "--language must be es or en"
[[ "$chunk_size" =~ ^[0-9]{1,9}$ ]] && [ "$chunk_size" -ge 1 ] && [ "$chunk_size" -le "$CHUNK_MAX" ] ||
  die "--chunk-size must be 1..$CHUNK_MAX"
[ $# -le 1000 ] || die "at most 1000 files"
for f in "$@"; do [ -f "$f" ] && [ -r "$f" ] || die "$f is not a readable file"; done
[ -z "$report" ] || [ "$report" = - ] || [ -f "$report" ] || die "$report is not a file"

work="$(mktemp -d "${TMPDIR:-/tmp}/testigo-submit.XXXXXX")"
mkdir "$work/parts"
# A throwaway keyring: editor keys never land in the witness's own ~/.gnupg (a trace on a seized
# machine), and no gpg.conf of theirs (default-recipient, throw-keyids, ...) can change the output.
export GNUPGHOME="$work/gnupg"
mkdir -m 700 "$GNUPGHOME"
built=0
cleanup() {
  gpgconf --homedir "$GNUPGHOME" --kill all >/dev/null 2>&1 || true
  rm -rf "$GNUPGHOME" "$work/keyring"
  # Half-built parts cannot be resumed; only a complete set is worth keeping after a failure.
  [ "$built" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT
say "work folder (ciphertext only): $work"
gpg_q=(gpg --batch --no-tty --quiet --no-auto-key-locate --no-auto-key-retrieve)

# ---------------------------------------------------------------------------------------------
# 1. The keyring: signed by the pinned root key; encrypt to its active editor keys only.
# ---------------------------------------------------------------------------------------------
mkdir "$work/keyring"
code="$("${curl_base[@]}" -o "$work/keyring/bundle.json" -w '%{http_code}' "$portal/api/v1/keyring" || true)"
[ "$code" = 200 ] || die "GET /api/v1/keyring: HTTP $code"
# Splits the bundle into files and prints "demo" or "real", then one active fingerprint per line.
keyring_info="$(python3 - "$work/keyring" "$root_fpr" <<'PY'
import json, os, re, sys
d, pinned = sys.argv[1], sys.argv[2]
def fail(msg):
    print(f"submit-with-gpg-curl: keyring: {msg}", file=sys.stderr); sys.exit(1)
b = json.load(open(os.path.join(d, "bundle.json"), encoding="utf-8"))
# newline="" keeps the document's exact bytes: they are what the root key signed.
for name, text in (("document.json", b["document"]), ("document.json.asc", b["signature"]), ("root.asc", b["rootKey"])):
    open(os.path.join(d, name), "w", encoding="utf-8", newline="").write(text)
doc = json.loads(b["document"])
if doc.get("format") != "testigo-keyring/1": fail("not a testigo-keyring/1 document")
if doc.get("root") != pinned: fail(f"the document names root {doc.get('root')}, not the pinned {pinned}")
active = [k["fingerprint"] for k in doc["keys"] if k.get("status") == "active"]
if not active: fail("no active editor key")
for fpr in active:
    if not re.fullmatch(r"[0-9A-F]{40}", fpr) or fpr not in b["keys"]: fail(f"active key {fpr} is not provided")
    open(os.path.join(d, f"{fpr}.asc"), "w", encoding="utf-8", newline="").write(b["keys"][fpr])
print("demo" if doc.get("demo") is True else "real")
print("\n".join(active))
PY
)" || die "the keyring could not be read"

# key_fingerprint FILE: the primary fingerprint of the one key in FILE (without importing it).
key_fingerprint() {
  "${gpg_q[@]}" --with-colons --import-options show-only --import "$1" 2>/dev/null |
    awk -F: '$1 == "pub" { n++; want = 1; next } $1 == "fpr" && want { print $10; want = 0 } END { if (n != 1) exit 1 }'
}
[ "$(key_fingerprint "$work/keyring/root.asc")" = "$root_fpr" ] || die "the served root key is not the pinned one"
"${gpg_q[@]}" --import "$work/keyring/root.asc" 2>/dev/null
# Only the root key is in the keyring at this point, so only it can have made a good signature;
# VALIDSIG's last field is the signer's primary fingerprint.
verify_status="$("${gpg_q[@]}" --status-fd 1 --verify "$work/keyring/document.json.asc" "$work/keyring/document.json" 2>/dev/null)" ||
  die "the keyring signature does not verify"
grep -Eq "^\[GNUPG:\] VALIDSIG .* $root_fpr\$" <<<"$verify_status" ||
  die "the keyring is not signed by the pinned root key"

# First line, then the rest, by parameter expansion: "printf | head -n 1" can die of SIGPIPE.
kind="${keyring_info%%$'\n'*}"
mapfile -t editors <<<"${keyring_info#*$'\n'}"
if [ "$kind" = demo ]; then
  [ "$allow_demo" = 1 ] || die "this portal runs on a DEMO keyring: do not submit real material (--allow-demo for tests)"
  say "WARNING: DEMO keyring; never submit real material to this portal"
fi
recipients=()
for fpr in "${editors[@]}"; do
  [ "$(key_fingerprint "$work/keyring/$fpr.asc")" = "$fpr" ] || die "the key served for $fpr has another fingerprint"
  "${gpg_q[@]}" --import "$work/keyring/$fpr.asc" 2>/dev/null
  # The primary fingerprint without "!": gpg picks the key's newest valid encryption subkey (as
  # OpenPGP.js does), one PKESK per editor, named (never --throw-keyids: the server checks them).
  recipients+=(-r "$fpr")
done
rm -rf "$work/keyring"

# ---------------------------------------------------------------------------------------------
# 2. Building parts. gpg's own literal packet cannot carry our name (--set-filename keeps only
#    what follows the last "/", so "testigo/1:..." would become "1:...") and stamps the clock into
#    it; --faked-system-time makes the editor keys "created in the future" and unusable. So the
#    literal-data packet is written here, date 0 like the browser's, and gpg encrypts it as is
#    (--no-literal).
# ---------------------------------------------------------------------------------------------
# literal_header NAME LENGTH: a binary literal-data packet header (new format, 5-octet length).
literal_header() {
  local name="$1" len="$2" body h
  [ "${#name}" -lt 256 ] || die "literal name too long"
  body=$((1 + 1 + ${#name} + 4 + len))
  printf -v h '%08x' "$body"
  printf '\xcb\xff'
  # shellcheck disable=SC2059 # the format is built from hex digits on purpose: printf emits the bytes.
  printf "\\x${h:0:2}\\x${h:2:2}\\x${h:4:2}\\x${h:6:2}"
  printf 'b'
  # shellcheck disable=SC2059 # as above: one byte, the name's length.
  printf "\\x$(printf '%02x' "${#name}")"
  printf '%s' "$name"
  printf '\0\0\0\0'
}

# encrypt_json NAME TARGET_KIND OUT: JSON on stdin, padded with spaces (header: to at least 2048
# bytes; manifest: Padmé from 8192), wrapped in a literal packet, encrypted to every editor.
encrypt_json() {
  local name="$1" kind="$2" out="$3" json n target
  json="$(cat)"
  n="$(printf '%s' "$json" | wc -c)"
  if [ "$kind" = header ]; then
    target=$n; [ "$target" -lt "$HEADER_PADDED" ] && target=$HEADER_PADDED
  else
    target=$n; [ "$target" -lt "$MANIFEST_MIN_PADDED" ] && target=$MANIFEST_MIN_PADDED
    target="$(padme "$target")"
  fi
  { literal_header "$name" "$target"; printf '%s' "$json"; head -c $((target - n)) /dev/zero | tr '\0' ' '; } |
    "${gpg_q[@]}" --no-literal --trust-model always --compress-algo none --cipher-algo AES256 --force-mdc \
      "${recipients[@]}" --encrypt -o "$out" 2> >(grep -v 'no-literal is not for normal use' >&2) ||
    die "gpg could not encrypt $name"
  check_keyed_message "$out"
}

# packet_at FILE OFFSET: prints "TAG HEADER_LENGTH BODY_LENGTH" of the OpenPGP packet starting at
# OFFSET (RFC 4880 4.2, old and new formats); BODY_LENGTH is -1 for a partial or indeterminate
# length, which only the last (encrypted data) packet may have.
packet_at() {
  local b
  read -r -a b < <(od -An -tu1 -j "$2" -N6 "$1")
  [ "${#b[@]}" -eq 6 ] && [ $((b[0] & 0x80)) -ne 0 ] || return 1
  if [ $((b[0] & 0x40)) -ne 0 ]; then # new format
    if [ "${b[1]}" -lt 192 ]; then echo "$((b[0] & 0x3f)) 2 ${b[1]}"
    elif [ "${b[1]}" -lt 224 ]; then echo "$((b[0] & 0x3f)) 3 $((((b[1] - 192) << 8) + b[2] + 192))"
    elif [ "${b[1]}" -eq 255 ]; then echo "$((b[0] & 0x3f)) 6 $(((b[2] << 24) | (b[3] << 16) | (b[4] << 8) | b[5]))"
    else echo "$((b[0] & 0x3f)) 2 -1"; fi
  else # old format: tag in bits 5-2, length type in bits 1-0
    case $((b[0] & 3)) in
      0) echo "$(((b[0] >> 2) & 0x0f)) 2 ${b[1]}" ;;
      1) echo "$(((b[0] >> 2) & 0x0f)) 3 $(((b[1] << 8) | b[2]))" ;;
      2) echo "$(((b[0] >> 2) & 0x0f)) 5 $(((b[1] << 24) | (b[2] << 16) | (b[3] << 8) | b[4]))" ;;
      *) echo "$(((b[0] >> 2) & 0x0f)) 1 -1" ;;
    esac
  fi
}

# check_keyed_message FILE: what the server will check, checked here first so a mistake shows as
# a clear local error: one PKESK (tag 1) per editor and then one SEIPD (tag 18, with MDC; not
# gpg 2.4's OCB packet, tag 20, which GnuPG 2.2 cannot read).
check_keyed_message() {
  local file="$1" offset=0 count=0 tag hdr len
  while read -r tag hdr len < <(packet_at "$file" "$offset"); [ "${tag:-}" = 1 ] && [ "$len" -ge 0 ]; do
    count=$((count + 1))
    offset=$((offset + hdr + len))
  done
  [ "${tag:-}" = 18 ] || die "gpg wrote packet tag ${tag:-?} where a SEIPD (18) belongs; GnuPG 2.2 is required"
  [ "$count" -eq "${#editors[@]}" ] || die "gpg wrote $count session-key packets for ${#editors[@]} editor keys"
}

# strip_skesk IN OUT: drop the leading symmetric-key ESK packet, keep the lone SEIPD packet.
strip_skesk() {
  local in="$1" out="$2" tag hdr len next
  read -r tag hdr len < <(packet_at "$in" 0) || die "gpg output is not OpenPGP"
  [ "$tag" = 3 ] && [ "$len" -ge 0 ] || die "gpg output does not start with a SKESK packet"
  # The SKESK body must be v4, AES-256 (9), simple S2K (0), SHA-256 (8) and nothing more: then
  # the AES-256 key is exactly SHA-256(passphrase) (one hash output is 32 bytes), the chunk key.
  [ "$len" -eq 4 ] && [ "$(od -An -tx1 -j "$hdr" -N4 "$in" | tr -d ' \n')" = 04090008 ] ||
    die "gpg did not write a simple-S2K SHA-256 AES-256 SKESK"
  read -r next _ _ < <(packet_at "$in" $((hdr + len))) || die "nothing follows the SKESK"
  [ "$next" = 18 ] || die "gpg did not write a SEIPD (tag 18) packet after the SKESK"
  tail -c +$((hdr + len + 1)) "$in" >"$out"
}

py_description="$(cat <<'PY'
import json, mimetypes, os, sys
path, sid, f, size, padded, cs, chunks = sys.argv[1:]
key = os.environ["TESTIGO_CHUNK_KEY"]
name = os.fsencode(os.path.basename(path)).decode("utf-8", errors="replace")[:1024]
ctype = (mimetypes.guess_type(name, strict=False)[0] or "application/octet-stream")[:255]
d = {"format": "testigo/1", "submission": sid, "file": int(f), "name": name, "type": ctype, "size": int(size),
     "paddedSize": int(padded), "chunkSize": int(cs), "chunks": int(chunks), "chunkKey": key}
sys.stdout.write(json.dumps(d, ensure_ascii=False, separators=(",", ":")))
PY
)"
py_manifest="$(cat <<'PY'
import hashlib, json, mimetypes, os, re, sys
work, sid, language, report_path, *paths = sys.argv[1:]
def sha(p):
    h = hashlib.sha256()
    with open(p, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""): h.update(block)
    return h.hexdigest()
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
report = {"what": "", "where": "", "when": "", "who": ""}
if report_path:
    raw = sys.stdin.buffer.read() if report_path == "-" else open(report_path, "rb").read()
    text = raw.decode("utf-8").replace("\r\n", "\n")
    # Optional "where:/when:/who:" lines (English or Spanish) before a blank line; else all is "what".
    keys = {"where": "where", "dónde": "where", "donde": "where", "when": "when", "cuándo": "when",
            "cuando": "when", "who": "who", "quién": "who", "quien": "who"}
    head, sep, body = text.partition("\n\n")
    lines = head.split("\n")
    parsed = [re.match(r"^\s*([^:]+?)\s*:\s*(.*)$", l) for l in lines]
    if sep and lines and all(m and m.group(1).lower() in keys for m in parsed):
        for m in parsed: report[keys[m.group(1).lower()]] = m.group(2)
        report["what"] = body.strip("\n")
    else:
        report["what"] = text.strip("\n")
files = []
for line in open(os.path.join(work, "files.txt")):
    f, size, padded, cs, chunks, file_sha, key_sha = line.split()
    f = int(f)
    name = os.fsencode(os.path.basename(paths[f])).decode("utf-8", errors="replace")[:1024]
    files.append({
        "file": f, "name": name,
        "type": (mimetypes.guess_type(name, strict=False)[0] or "application/octet-stream")[:255],
        "size": int(size), "paddedSize": int(padded), "chunkSize": int(cs), "chunks": int(chunks),
        "sha256": file_sha, "chunkKeySha256": key_sha,
        "parts": {"header": seipd_sha(os.path.join(work, "parts", f"header-{f}")),
                  "chunks": [sha(os.path.join(work, "parts", f"chunk-{f}-{c}")) for c in range(int(chunks))]},
    })
m = {"format": "testigo/1", "submission": sid, "language": language, "report": report, "files": files}
sys.stdout.write(json.dumps(m, ensure_ascii=False, separators=(",", ":")))
PY
)"

random_hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }

id="$(random_hex 16)"
printf '%s\n' "$id" >"$work/id"
printf '%s\n' "$portal" >"$work/portal"
: >"$work/order"
: >"$work/files.txt"
receipt="Submission $id"$'\n'
seal_files=""

index=0
for path in "$@"; do
  f=$index
  size="$(stat -L -c %s "$path")"
  padded="$(padded_size "$size")"
  chunks=$(((padded + chunk_size - 1) / chunk_size))
  [ "$chunks" -ge 1 ] || chunks=1
  file_sha="$(sha256sum <"$path" | cut -d' ' -f1)"
  # The chunk key: a random 256-bit passphrase P for gpg's simple S2K; the key is SHA-256(P).
  passphrase="$(random_hex 32)"
  chunk_key="$(printf '%s' "$passphrase" | sha256sum | cut -d' ' -f1)"
  key_sha="$(printf '%s' "$chunk_key" | python3 -c 'import hashlib,sys; print(hashlib.sha256(bytes.fromhex(sys.stdin.read())).hexdigest())')"

  # The description (name and type only ever inside encryption). Name: the file's base name.
  # The chunk key reaches python through the environment, not argv (which any local user sees).
  TESTIGO_CHUNK_KEY="$chunk_key" python3 -c "$py_description" "$path" "$id" "$f" "$size" "$padded" "$chunk_size" "$chunks" |
    encrypt_json "testigo/1:$id:header-$f" header "$work/parts/header-$f"
  printf 'header-%s\n' "$f" >>"$work/order"

  for ((c = 0; c < chunks; c++)); do
    off=$((c * chunk_size))
    len=$((padded - off)); [ "$len" -gt "$chunk_size" ] && len=$chunk_size
    data=$((size - off)); [ "$data" -lt 0 ] && data=0; [ "$data" -gt "$len" ] && data=$len
    # The padded plaintext streams into gpg; nothing of the file is written anywhere else.
    { literal_header "testigo/1:$id:chunk-$f-$c" "$len"
      [ "$data" -gt 0 ] && dd if="$path" bs=65536 iflag=skip_bytes,count_bytes skip="$off" count="$data" status=none
      head -c $((len - data)) /dev/zero; } |
      # --no-symkey-cache: P is the chunk key's source; it must not linger in gpg-agent's cache.
      "${gpg_q[@]}" --no-literal --no-symkey-cache --pinentry-mode loopback --passphrase-fd 3 --symmetric \
        --s2k-mode 0 --s2k-digest-algo SHA256 --cipher-algo AES256 --compress-algo none --force-mdc \
        -o "$work/sym" 3< <(printf '%s\n' "$passphrase") 2>"$work/gpg.err" ||
      { cat "$work/gpg.err" >&2; die "gpg could not encrypt chunk $c of $path"; }
    strip_skesk "$work/sym" "$work/parts/chunk-$f-$c"
    rm -f "$work/sym"
    printf 'chunk-%s-%s\n' "$f" "$c" >>"$work/order"
  done
  rm -f "$work/gpg.err"
  [ "$(stat -L -c %s "$path")" = "$size" ] && [ "$(sha256sum <"$path" | cut -d' ' -f1)" = "$file_sha" ] ||
    die "$path changed while it was being encrypted"
  unset passphrase chunk_key
  # Numbers and hashes only: the work folder never holds names or plaintext.
  printf '%s %s %s %s %s %s %s\n' "$f" "$size" "$padded" "$chunk_size" "$chunks" "$file_sha" "$key_sha" >>"$work/files.txt"
  seal_files="$seal_files${seal_files:+,}{\"chunks\":$chunks}"
  receipt="$receipt"$'\n'"file $f: $size bytes, sha256 $file_sha"
  index=$((index + 1))
done

# ---------------------------------------------------------------------------------------------
# 3. The manifest: report, files, and the SHA-256 of every ciphertext part just written.
# ---------------------------------------------------------------------------------------------
# Reads the report from the file, or from stdin for "-" (hence python3 -c, not a heredoc).
python3 -c "$py_manifest" "$work" "$id" "$language" "${report:-}" "$@" |
  encrypt_json "testigo/1:$id:manifest" manifest "$work/parts/manifest"
printf 'manifest\n' >>"$work/order"
printf '{"format":1,"files":[%s]}\n' "$seal_files" >"$work/seal.json"
printf '%s\n' "$receipt" >"$work/receipt.txt"
built=1

if [ "$upload" = 0 ]; then
  say "built; send with: $0 --resume $work"
  printf '%s\n' "$work"
  exit 0
fi

# ---------------------------------------------------------------------------------------------
# 4. Upload and seal.
# ---------------------------------------------------------------------------------------------
upload_and_seal "$work"
cat "$work/receipt.txt"
if [ "$keep_work" = 1 ]; then say "work folder kept: $work"; else rm -rf "$work"; fi
