#!/usr/bin/env bash
# kafka-topics.sh for Spool: runs `spool topics` with the same arguments.
source "$(dirname "$(realpath "$0" 2>/dev/null || echo "$0")")/spool-run.sh" || exit 1
spool_exec topics "$@"
