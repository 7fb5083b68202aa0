#!/usr/bin/env bash
# kafka-metadata-quorum.sh for Spool: runs `spool metadata-quorum` with the same arguments.
source "$(dirname "$(realpath "$0" 2>/dev/null || echo "$0")")/spool-run.sh" || exit 1
spool_exec metadata-quorum "$@"
