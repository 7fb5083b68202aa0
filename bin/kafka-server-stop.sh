#!/usr/bin/env bash
# kafka-server-stop.sh for Spool: sends SIGTERM (or $SIGNAL) to the running
# `spool server` processes. --node-id=ID or --process-role=ROLE limits that to
# the servers whose config file sets node.id or process.roles to that value.
signal="${SIGNAL:-TERM}"
want_role="" want_node=""
for arg in "$@"; do
  case "$arg" in
    --process-role=*) want_role="${arg#*=}" ;;
    --node-id=*) want_node="${arg#*=}" ;;
    *) echo "USAGE: $0 [--process-role=ROLE | --node-id=ID]" >&2; exit 1 ;;
  esac
done
if [ -n "$want_node" ] && [ -n "$want_role" ]; then
  echo "When both node-id and process-role are provided, the value for node-id will take precedence"
fi

# config_value FILE KEY prints the value of KEY in a properties file.
config_value() {
  sed -n "s/^[[:space:]]*$2[[:space:]]*[=:][[:space:]]*//p" "$1" | head -n 1 | tr -d '[:space:]'
}

# server_config PID ARGS... prints the absolute path of the config file a
# `spool server` process was started with (its first non-option argument).
server_config() {
  local pid="$1" arg cwd
  shift 3 # the pid, the binary and "server"
  for arg in "$@"; do
    case "$arg" in
      -*) ;;
      *=*) ;; # the value of --override
      *)
        case "$arg" in
          /*) echo "$arg" ;;
          *) cwd="$(readlink "/proc/$pid/cwd" 2>/dev/null || pwd)"; echo "$cwd/$arg" ;;
        esac
        return ;;
    esac
  done
}

found=0 stopped=0
while read -r pid cmd; do
  # shellcheck disable=SC2086 # split the command line into words
  set -- $cmd
  [ "$(basename -- "${1:-}")" = spool ] && [ "${2:-}" = server ] || continue
  found=1
  if [ -n "$want_node$want_role" ]; then
    config="$(server_config "$pid" "$@")"
    if [ -z "$config" ] || [ ! -r "$config" ]; then
      continue
    fi
    if [ -n "$want_node" ]; then
      [ "$(config_value "$config" node.id)" = "$want_node" ] || continue
    elif [ "$(config_value "$config" process.roles)" != "$want_role" ]; then
      continue
    fi
  fi
  kill -s "$signal" "$pid" && stopped=1
done < <(ps -eo pid=,args=)

if [ "$found" = 0 ]; then
  echo "No spool server to stop"
  exit 1
fi
[ "$stopped" = 1 ] || [ -n "$want_node$want_role" ]
