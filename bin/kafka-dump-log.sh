#!/usr/bin/env bash
# kafka-dump-log.sh for Spool: runs `spool dump-log` with the same arguments.
source "$(dirname "$(realpath "$0" 2>/dev/null || echo "$0")")/spool-run.sh" || exit 1
spool_exec dump-log "$@"
