#!/usr/bin/env bash
# kafka-console-consumer.sh for Spool: runs `spool console-consumer` with the same arguments.
source "$(dirname "$(realpath "$0" 2>/dev/null || echo "$0")")/spool-run.sh" || exit 1
spool_exec console-consumer "$@"
