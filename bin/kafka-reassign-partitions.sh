#!/usr/bin/env bash
# kafka-reassign-partitions.sh for Spool: runs `spool reassign-partitions` with the same arguments.
source "$(dirname "$(realpath "$0" 2>/dev/null || echo "$0")")/spool-run.sh" || exit 1
spool_exec reassign-partitions "$@"
