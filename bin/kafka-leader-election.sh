#!/usr/bin/env bash
# kafka-leader-election.sh for Spool: runs `spool leader-election` with the same arguments.
source "$(dirname "$(realpath "$0" 2>/dev/null || echo "$0")")/spool-run.sh" || exit 1
spool_exec leader-election "$@"
