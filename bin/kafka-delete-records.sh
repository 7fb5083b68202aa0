#!/usr/bin/env bash
# kafka-delete-records.sh for Spool: runs `spool delete-records` with the same arguments.
source "$(dirname "$(realpath "$0" 2>/dev/null || echo "$0")")/spool-run.sh" || exit 1
spool_exec delete-records "$@"
