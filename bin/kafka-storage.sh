#!/usr/bin/env bash
# kafka-storage.sh for Spool: runs `spool storage` with the same arguments.
source "$(dirname "$(realpath "$0" 2>/dev/null || echo "$0")")/spool-run.sh" || exit 1
spool_exec storage "$@"
