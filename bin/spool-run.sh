# Sourced by the bin/kafka-*.sh wrappers; not meant to be run by itself.
#
# spool_exec runs `spool <args>` with the first spool binary found:
#   1. $SPOOL_BIN
#   2. spool in the directory above bin/ (`go build -o spool ./cmd/spool` at
#      the repository root)
#   3. spool on PATH
#   4. a fresh build of ./cmd/spool from this repository, which needs only Go.
#      It is what `go run` does, but the binary is kept in
#      ${XDG_CACHE_HOME:-~/.cache}/spool so that the tool runs in the caller's
#      working directory (relative paths in arguments keep working) and later
#      runs start at once.

spool_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

spool_find() {
  if [ -n "${SPOOL_BIN:-}" ]; then
    SPOOL="$SPOOL_BIN"
  elif [ -f "$spool_root/spool" ] && [ -x "$spool_root/spool" ]; then
    SPOOL="$spool_root/spool"
  elif command -v spool >/dev/null 2>&1; then
    SPOOL="$(command -v spool)"
  elif command -v go >/dev/null 2>&1 && [ -f "$spool_root/go.mod" ]; then
    spool_build
  else
    echo "spool: no spool binary found. Set SPOOL_BIN, run 'go build -o spool ./cmd/spool'" \
      "in $spool_root, put spool on your PATH, or install Go." >&2
    return 1
  fi
}

spool_build() {
  local cache="${XDG_CACHE_HOME:-$HOME/.cache}/spool" tmp
  mkdir -p "$cache" && tmp="$(mktemp "$cache/spool.XXXXXX")" || return 1
  # Build to a private file and rename, so concurrent wrappers never run a
  # half-written binary.
  if (cd "$spool_root" && go build -o "$tmp" ./cmd/spool); then
    mv -f "$tmp" "$cache/spool" && SPOOL="$cache/spool"
  else
    rm -f "$tmp"
    return 1
  fi
}

spool_exec() {
  spool_find || exit 1
  exec "$SPOOL" "$@"
}
