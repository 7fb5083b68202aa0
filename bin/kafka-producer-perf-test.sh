#!/usr/bin/env bash
# kafka-producer-perf-test.sh for Spool: runs `spool producer-perf-test` with the same arguments.
source "$(dirname "$(realpath "$0" 2>/dev/null || echo "$0")")/spool-run.sh" || exit 1
spool_exec producer-perf-test "$@"
