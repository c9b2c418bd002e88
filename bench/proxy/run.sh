#!/usr/bin/env bash
# Proxy throughput: pgbench (scale 10, -c 8 -j 2, 20 s) direct to PostgreSQL, through the pgpilot proxy and,
# when installed, through HAProxy in TCP mode; select-only (-S) and TPC-B, each also with -C (a new
# connection per transaction). Prints TPS, the ratios to direct, the proxy's CPU time per 1000
# transactions, and its resident memory with 1000 idle client sessions.
#
# Usage: bench/proxy/run.sh            (from anywhere; needs pgbench, PostgreSQL 15, Maven's ~/.m2 filled)
#   DURATION=20 CLIENTS=8 THREADS=2 SCALE=10 IDLE=1000 bench/proxy/run.sh
#
# The proxy runs with --static-backend (a bench/test aid: one fixed backend, no cluster, no fencing); the
# forwarding path is the same code as in cluster mode.
set -euo pipefail

DURATION=${DURATION:-20}
CLIENTS=${CLIENTS:-8}
THREADS=${THREADS:-2}
SCALE=${SCALE:-10}
IDLE=${IDLE:-1000}
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

echo "== building the proxy (Maven, offline)"
(cd "$ROOT" && mvn -B -o -q -pl proxy compile dependency:build-classpath -Dmdep.outputFile="$WORK/cp.txt" -Dmdep.includeScope=runtime)
CP="$ROOT/proxy/target/classes:$(cat "$WORK/cp.txt")"

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
  --listen-host 127.0.0.1 --rw-port "$PROXY_PORT" --ro-port "$PROXY_RO" --http-port 0 >"$WORK/proxy.log" 2>&1 &
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
  PIDS+=($!)
  for _ in $(seq 100); do pg_isready -q -h 127.0.0.1 -p "$HAPROXY_PORT" && break; sleep 0.1; done
else
  echo "== HAProxy not installed: skipping it (apt-get install -y haproxy to compare)"
fi

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
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

# warm the proxy's JIT so the first measured variant is not penalised
pgbench -h 127.0.0.1 -p "$PROXY_PORT" -U postgres -n -S -c "$CLIENTS" -j "$THREADS" -T 5 postgres >/dev/null 2>&1

printf '\n%-12s %10s %10s %7s %10s %7s %16s\n' variant direct proxy ratio haproxy ratio "proxy CPU ms/1k tx"
for variant in "-S" "tpcb" "-S -C" "-C"; do
  args=(); label="$variant"
  case "$variant" in
    tpcb) label="TPC-B" ;;
    "-C") args=(-C); label="TPC-B -C" ;;
    *) read -r -a args <<<"$variant" ;;
  esac
  read -r d_tps _ < <(run "$PGPORT" "${args[@]}")
  before=$(cpu_ticks "$PROXY_PID")
  read -r p_tps p_tx < <(run "$PROXY_PORT" "${args[@]}")
  after=$(cpu_ticks "$PROXY_PID")
  cpu_ms=$(awk -v t="$((after - before))" -v hz="$TICK" -v n="$p_tx" 'BEGIN { printf "%.1f", t * 1000 / hz / n * 1000 }')
  h_tps="-"; h_ratio="-"
  if [ -n "$HAPROXY_PORT" ]; then
    read -r h_raw _ < <(run "$HAPROXY_PORT" "${args[@]}")
    h_tps=$(awk -v a="$h_raw" 'BEGIN { printf "%.0f", a }')
    h_ratio=$(awk -v a="$h_raw" -v b="$d_tps" 'BEGIN { printf "%.2f", a / b }')
  fi
  p_ratio=$(awk -v a="$p_tps" -v b="$d_tps" 'BEGIN { printf "%.2f", a / b }')
  printf '%-12s %10.0f %10.0f %7s %10s %7s %16s\n' "$label" "$d_tps" "$p_tps" "$p_ratio" "$h_tps" "$h_ratio" "$cpu_ms"
done

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
