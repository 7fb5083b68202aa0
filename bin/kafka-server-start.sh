#!/usr/bin/env bash
# kafka-server-start.sh for Spool: runs `spool server` with the same arguments:
#   kafka-server-start.sh [-daemon] [server.properties] [--override property=value]*
# With -daemon the server runs in the background, its output going to
# $LOG_DIR/kafkaServer.out (LOG_DIR defaults to logs/ at the repository root).
source "$(dirname "$(realpath "$0" 2>/dev/null || echo "$0")")/spool-run.sh" || exit 1

if [ "${1:-}" = "-daemon" ]; then
  shift
  spool_find || exit 1
  log_dir="${LOG_DIR:-$spool_root/logs}"
  mkdir -p "$log_dir" || exit 1
  nohup "$SPOOL" server "$@" >"$log_dir/kafkaServer.out" 2>&1 </dev/null &
  exit 0
fi
spool_exec server "$@"
