#!/usr/bin/env bash
# kafka-consumer-groups.sh for Spool: runs `spool consumer-groups` with the same arguments.
source "$(dirname "$(realpath "$0" 2>/dev/null || echo "$0")")/spool-run.sh" || exit 1
spool_exec consumer-groups "$@"
