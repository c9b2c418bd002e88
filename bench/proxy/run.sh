#!/usr/bin/env bash
# Proxy throughput: pgbench (scale 10, -c 8 -j 2, 20 s) direct to PostgreSQL, through the pgpilot proxy and,
# when installed, through HAProxy in TCP mode; select-only (-S) and TPC-B, each also with -C (a new
# connection per transaction). Prints TPS, the ratios to direct, the proxy's CPU time per 1000
# transactions (and HAProxy's), the TCP segments sent per transaction direct and through the proxy, and its
# resident memory with 1000 idle client sessions. Each variant runs
# ROUNDS times, interleaved, and the medians are printed.
#
# Usage: bench/proxy/run.sh            (from anywhere; needs pgbench and PostgreSQL 15; builds with ./pgpilot if needed)
#   DURATION=20 ROUNDS=3 CLIENTS=8 THREADS=2 SCALE=10 IDLE=1000 bench/proxy/run.sh
#   VARIANTS="-S|tpcb" PROXY_ARGS="--io-threads 2" bench/proxy/run.sh   (a subset; other proxy settings)
#
# The proxy runs with --static-backend (a bench/test aid: one fixed backend, no cluster, no fencing); the
# forwarding path is the same code as in cluster mode.
set -euo pipefail

DURATION=${DURATION:-20}
CLIENTS=${CLIENTS:-8}
THREADS=${THREADS:-2}
SCALE=${SCALE:-10}
IDLE=${IDLE:-1000}
VARIANTS=${VARIANTS:-"-S|tpcb|-S -C|-C"}
ROUNDS=${ROUNDS:-3}
PROXY_ARGS=${PROXY_ARGS:-}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/pgpilot-bench-proxy.XXXXXX)
chmod 755 "$WORK"
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }

echo "== building the proxy (what ./pgpilot builds, when its sources changed)"
"$ROOT/pgpilot" --help >/dev/null
CP="$ROOT/cli/target/lib/*"

echo "== starting a fresh PostgreSQL 15"
PGPORT=$(free_port)
install -d -o postgres -g postgres -m 700 "$WORK/pg" "$WORK/pg/data"
as_postgres "$PG_BIN/initdb" -D "$WORK/pg/data" -A trust -U postgres --no-sync -E UTF8 --locale=C >/dev/null
as_postgres --pdeathsig=KILL -- "$PG_BIN/postgres" -D "$WORK/pg/data" -p "$PGPORT" -k "$WORK/pg" \
  -c listen_addresses=127.0.0.1 -c max_connections=$((IDLE + 50)) -c shared_buffers=256MB >"$WORK/pg/log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do pg_isready -q -h 127.0.0.1 -p "$PGPORT" && break; sleep 0.1; done
pgbench -h 127.0.0.1 -p "$PGPORT" -U postgres -i -s "$SCALE" -q postgres >/dev/null 2>&1

echo "== starting the pgpilot proxy"
PROXY_PORT=$(free_port); PROXY_RO=$(free_port)
java -Xms64m -Xmx256m -XX:+UseSerialGC -cp "$CP" io.pgpilot.proxy.ProxyMain --static-backend "127.0.0.1:$PGPORT" \
  --listen-host 127.0.0.1 --rw-port "$PROXY_PORT" --ro-port "$PROXY_RO" --http-port 0 $PROXY_ARGS >"$WORK/proxy.log" 2>&1 &
PROXY_PID=$!
PIDS+=($PROXY_PID)
for _ in $(seq 200); do pg_isready -q -h 127.0.0.1 -p "$PROXY_PORT" && break; sleep 0.1; done
grep -m1 "listening" "$WORK/proxy.log" || { cat "$WORK/proxy.log"; exit 1; }

HAPROXY_PORT=""
if command -v haproxy >/dev/null; then
  echo "== starting HAProxy ($(haproxy -v | head -1 | cut -d' ' -f3)) in TCP mode"
  HAPROXY_PORT=$(free_port)
  cat >"$WORK/haproxy.cfg" <<CFG
global
  maxconn 4000
defaults
  mode tcp
  timeout connect 5s
  timeout client 1h
  timeout server 1h
listen pg
  bind 127.0.0.1:$HAPROXY_PORT
  option tcpka
  server pg 127.0.0.1:$PGPORT
CFG
  haproxy -db -f "$WORK/haproxy.cfg" >"$WORK/haproxy.log" 2>&1 &
  HAPROXY_PID=$!
  PIDS+=($HAPROXY_PID)
  for _ in $(seq 100); do pg_isready -q -h 127.0.0.1 -p "$HAPROXY_PORT" && break; sleep 0.1; done
else
  echo "== HAProxy not installed: skipping it (apt-get install -y haproxy to compare)"
fi

# "user system" CPU ticks of a process
cpu_ticks() { awk '{print $14, $15}' "/proc/$1/stat"; }
TICK=$(getconf CLK_TCK)

# run PORT ARGS... -> prints "tps transactions"
run() {
  local port=$1; shift
  local out
  out=$(pgbench -h 127.0.0.1 -p "$port" -U postgres -n -c "$CLIENTS" -j "$THREADS" -T "$DURATION" "$@" postgres 2>&1)
  local tps tx
  tps=$(echo "$out" | sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p')
  [ -z "$tps" ] && tps=$(echo "$out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1)
  tx=$(echo "$out" | sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p')
  echo "$tps $tx"
}

variant_args() {
  case "$1" in
    tpcb) echo "" ;;
    "-C") echo "-C" ;;
    *) echo "$1" ;;
  esac
}
variant_label() {
  case "$1" in
    tpcb) echo "TPC-B" ;;
    "-C") echo "TPC-B -C" ;;
    *) echo "$1" ;;
  esac
}

# TCP segments sent by every socket of this machine so far (Tcp OutSegs): nothing but pgbench's traffic runs
# meanwhile, so their count per transaction says what each hop adds on the wire.
out_segments() { awk '/^Tcp:/ && ++n == 2 { print $12 }' /proc/net/snmp; }

# measure PORT PID ARGS... -> "tps cpu_ms_per_1k_tx sys_percent segments_per_tx" (PID's CPU while pgbench ran)
measure() {
  local port=$1 pid=$2; shift 2
  local u0 s0 u1 s1 tps tx g0 g1
  read -r u0 s0 < <(cpu_ticks "$pid")
  g0=$(out_segments)
  read -r tps tx < <(run "$port" "$@")
  g1=$(out_segments)
  read -r u1 s1 < <(cpu_ticks "$pid")
  awk -v tps="$tps" -v u="$((u1 - u0))" -v s="$((s1 - s0))" -v hz="$TICK" -v n="$tx" -v g="$((g1 - g0))" \
    'BEGIN { t = u + s; printf "%s %.1f %d %.2f\n", tps, t * 1000 / hz / n * 1000, t ? 100 * s / t : 0, g / n }'
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

IFS='|' read -r -a variant_list <<<"$VARIANTS"

# Warm every code path of the proxy so that what is measured is a long-running proxy, not the JIT compiler.
# The connection set-up runs only a few hundred times a second under -C, and the JIT needs some 10 000 calls
# of a method before its final compilation: without 20 s of warm-up the -C rounds measure half-compiled code
# and the compiler's own CPU (measured: 830 us of proxy CPU per -S -C transaction cold, 410 us warm).
echo "== warming the proxy up (5 s per variant, 20 s per -C variant)"
for variant in "${variant_list[@]}"; do
  read -r -a args <<<"$(variant_args "$variant")"
  seconds=5
  [[ " ${args[*]} " == *" -C "* ]] && seconds=20
  pgbench -h 127.0.0.1 -p "$PROXY_PORT" -U postgres -n -c "$CLIENTS" -j "$THREADS" -T "$seconds" "${args[@]}" postgres >/dev/null 2>&1
done

# Each round runs direct, proxy and HAProxy back to back, and a ratio compares runs of the same round: this
# VM's speed drifts by 10-20% over minutes, more than the differences being measured.
echo "== $ROUNDS round(s) of $DURATION s per variant and target; medians over the rounds"
printf '\n%-10s %8s %8s %6s %8s %6s %20s %20s %16s\n' variant direct proxy ratio haproxy ratio "proxy CPU ms/1k tx" "haproxy CPU ms/1k" "TCP segments/tx"
HAPROXY_PID=${HAPROXY_PID:-}
for variant in "${variant_list[@]}"; do
  read -r -a args <<<"$(variant_args "$variant")"
  : >"$WORK/rounds"
  for _ in $(seq "$ROUNDS"); do
    read -r d_tps _ _ d_seg < <(measure "$PGPORT" "$PROXY_PID" "${args[@]}")
    read -r p_tps p_cpu p_sys p_seg < <(measure "$PROXY_PORT" "$PROXY_PID" "${args[@]}")
    h_tps=0; h_cpu=0; h_sys=0
    if [ -n "$HAPROXY_PORT" ]; then
      read -r h_tps h_cpu h_sys _ < <(measure "$HAPROXY_PORT" "$HAPROXY_PID" "${args[@]}")
    fi
    echo "$d_tps $p_tps $h_tps $p_cpu $p_sys $h_cpu $h_sys $d_seg $p_seg" >>"$WORK/rounds"
  done
  col() { awk -v c="$1" '{ print $c }' "$WORK/rounds" | median; }
  ratio() { awk -v c="$1" '{ print $c / $1 }' "$WORK/rounds" | median; }
  h_tps="-"; h_ratio="-"; h_cpu="-"
  if [ -n "$HAPROXY_PORT" ]; then
    h_tps=$(printf '%.0f' "$(col 3)"); h_ratio=$(printf '%.2f' "$(ratio 3)")
    h_cpu=$(printf '%.1f (%.0f%% sys)' "$(col 6)" "$(col 7)")
  fi
  printf '%-10s %8.0f %8.0f %6.2f %8s %6s %20s %20s %16s\n' "$(variant_label "$variant")" "$(col 1)" "$(col 2)" "$(ratio 2)" \
    "$h_tps" "$h_ratio" "$(printf '%.1f (%.0f%% sys)' "$(col 4)" "$(col 5)")" "$h_cpu" "$(printf '%.2f -> %.2f' "$(col 8)" "$(col 9)")"
done

[ "$IDLE" -eq 0 ] && exit 0
echo
echo "== proxy resident memory with $IDLE idle client sessions"
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
rss_before=$(rss "$PROXY_PID")
python3 - "$PROXY_PORT" "$IDLE" "$PROXY_PID" <<'PY'
import socket, struct, sys
port, n, pid = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
params = b"user\0postgres\0database\0postgres\0\0"
startup = struct.pack("!ii", 8 + len(params), 3 << 16) + params
socks = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(startup)
    buf = b""
    while True:  # read until ReadyForQuery
        chunk = s.recv(4096)
        if not chunk:
            sys.exit("the proxy closed a session during start-up")
        buf += chunk
        if b"Z\0\0\0\5I" in buf:
            break
    socks.append(s)
rss = [l for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS")][0].split()[1]
print(f"{len(socks)} idle sessions open through the proxy; proxy VmRSS {int(rss) // 1024} MiB")
for s in socks:
    s.close()
PY
echo "proxy VmRSS before: $((rss_before / 1024)) MiB (JVM: -Xms64m -Xmx256m -XX:+UseSerialGC)"
