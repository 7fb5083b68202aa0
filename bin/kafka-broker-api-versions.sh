#!/usr/bin/env bash
# kafka-broker-api-versions.sh for Spool: runs `spool broker-api-versions` with the same arguments.
source "$(dirname "$(realpath "$0" 2>/dev/null || echo "$0")")/spool-run.sh" || exit 1
spool_exec broker-api-versions "$@"
