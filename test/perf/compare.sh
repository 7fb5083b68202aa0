#!/usr/bin/env bash
# Side-by-side throughput and broker CPU of Spool and franz-go's in-memory
# fake broker (kfake), driven by the same client (spool's perf tools, which
# use franz-go) with the same settings, interleaved, RUNS times each.
#
#   test/perf/compare.sh            # 3 runs, 300000 records of 1 KiB
#   RUNS=5 RECORDS=500000 test/perf/compare.sh
#
# Prints one line per measurement and a table of medians: throughput
# (MB/s) and the broker's CPU seconds per GB moved (from /proc/<pid>/stat).
set -euo pipefail
cd "$(dirname "$0")/../.."

RUNS=${RUNS:-3}
RECORDS=${RECORDS:-300000}
SIZE=${SIZE:-1024}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

go build -o "$work/spool" ./cmd/spool
go build -o "$work/kfake" ./test/kfake

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
spool_port=$(free_port); ctrl_port=$(free_port); kfake_port=$(free_port)

# consumer-perf-test joins a new group each run, as Kafka's does; without
# the initial rebalance delay (as Kafka's sample server.properties) its
# MB.sec is not charged a 3-second wait that kfake does not make.
"$work/spool" server --override "listeners=PLAINTEXT://127.0.0.1:$spool_port,CONTROLLER://127.0.0.1:$ctrl_port" \
  --override "controller.quorum.voters=1@127.0.0.1:$ctrl_port" --override "log.dirs=$work/data" \
  --override spool.metrics.address= --override group.initial.rebalance.delay.ms=0 >"$work/spool.log" 2>&1 &
spool_pid=$!
"$work/kfake" -port "$kfake_port" >"$work/kfake.log" 2>&1 &
kfake_pid=$!

wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return; sleep 0.1; done; echo "port $1 never opened" >&2; exit 1; }
wait_port "$spool_port"; wait_port "$kfake_port"

cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
user_ticks() { awk '{print $14}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# settle gives every measurement the same memory state. On some VMs (this
# project's CI and development machines among them) the kernel's cost of
# handing out a page of memory not touched for a while is several times that
# of a recently freed one, and it is charged to whichever process writes:
# writing 1 GB of new file data took 0.2 s of CPU with warm pages and 2.7 s
# with cold ones. Dropping the page cache (as root) before each run makes
# both brokers start from warm free memory; without root the figures carry
# that noise.
settle() {
  sync
  if [ -w /proc/sys/vm/drop_caches ]; then echo 3 >/proc/sys/vm/drop_caches; fi
}

# measure BROKER KIND ARGS...: runs one perf tool, prints "MB/s cpu-s/GB
# user-s/GB": the broker's total CPU and the part spent in its own code
# (the rest is the kernel's: sockets and page cache).
measure() {
  local pid=$1 kind=$2; shift 2
  local before after ubefore uafter out mbps bytes
  # Consumers read what was just written, from the page cache; dropping it
  # would send Spool to the disk while kfake reads its heap.
  if [ "$kind" = produce ]; then settle; fi
  before=$(cpu_ticks "$pid")
  ubefore=$(user_ticks "$pid")
  out=$("$work/spool" "$@" 2>&1)
  after=$(cpu_ticks "$pid")
  uafter=$(user_ticks "$pid")
  bytes=$((RECORDS * SIZE))
  if [ "$kind" = produce ]; then
    mbps=$(echo "$out" | tail -1 | sed -E 's/.*\(([0-9.]+) MB\/sec\).*/\1/')
  else
    mbps=$(echo "$out" | tail -1 | awk -F', *' '{print $4}')
  fi
  awk -v m="$mbps" -v t=$((after - before)) -v u=$((uafter - ubefore)) -v hz="$hz" -v b="$bytes" \
    'BEGIN { printf "%.1f %.3f %.3f\n", m, (t / hz) / (b / 1e9), (u / hz) / (b / 1e9) }'
}

results="$work/results"
: >"$results"
for run in $(seq "$RUNS"); do
  for parts in 1 8; do
    for acks in 1 all; do
      for broker in spool kfake; do
        if [ $broker = spool ]; then port=$spool_port pid=$spool_pid; else port=$kfake_port pid=$kfake_pid; fi
        topic="bench-r$run-p$parts-a$acks"
        "$work/spool" topics --bootstrap-server "127.0.0.1:$port" --create --topic "$topic" \
          --partitions "$parts" --replication-factor 1 >/dev/null
        read -r mbps cpu user < <(measure "$pid" produce producer-perf-test --topic "$topic" \
          --num-records "$RECORDS" --record-size "$SIZE" --throughput -1 \
          --producer-props "bootstrap.servers=127.0.0.1:$port" "acks=$acks")
        echo "run $run produce partitions=$parts acks=$acks $broker: $mbps MB/s, $cpu broker cpu-s/GB, $user user" | tee -a "$results"
        read -r mbps cpu user < <(measure "$pid" consume consumer-perf-test --bootstrap-server "127.0.0.1:$port" \
          --topic "$topic" --messages "$RECORDS" --timeout 60000)
        echo "run $run consume partitions=$parts acks=$acks $broker: $mbps MB/s, $cpu broker cpu-s/GB, $user user" | tee -a "$results"
      done
    done
  done
done

echo
echo "medians over $RUNS runs ($RECORDS records of $SIZE bytes)"
printf '%-8s %-10s %-5s %-7s %10s %14s %14s\n' what partitions acks broker MB/s cpu-s/GB user-s/GB
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for what in produce consume; do for parts in 1 8; do for acks in 1 all; do for broker in spool kfake; do
  lines=$(grep " $what partitions=$parts acks=$acks $broker:" "$results")
  mb=$(echo "$lines" | awk '{print $7}' | median)
  cpu=$(echo "$lines" | awk '{print $9}' | median)
  user=$(echo "$lines" | awk '{print $12}' | median)
  printf '%-8s %-10s %-5s %-7s %10s %14s %14s\n' "$what" "$parts" "$acks" "$broker" "$mb" "$cpu" "$user"
done; done; done; done
