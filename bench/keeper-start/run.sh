#!/usr/bin/env bash
# How long a keeper JVM takes from its start to its convergence loop, the largest part of a rejoin (a
# restarted keeper decides nothing before that), in four variants: as local mode starts it (a
# class-data-sharing archive, the API server's address from fabric8's environment settings, fabric8's
# default HTTP client on Vert.x), the same without the archive, with the archive but a kubeconfig file to
# parse instead, and with the JDK's own HTTP client in place of Vert.x (its own archive). The keeper runs against
# a local API server of its own (the one local mode runs), under a cluster name nothing else uses: its start
# reads and publishes as in a real rejoin, and nothing else is touched. The figure is what the keeper logs
# when its threads run: "started N ms after its process" (the process's start time is the kernel's, to
# 10 ms), with the JVM's CPU time (user + system) until it is stopped at that line. Rounds alternate between
# the variants, on a quiet machine or beside LOAD's busy loops; medians and ratios are printed.
#
# Usage: bench/keeper-start/run.sh            (builds with ./pgpilot if needed; fetches fabric8's JDK client with Maven)
#   ROUNDS=5 bench/keeper-start/run.sh
#   LOAD=2 ROUNDS=8 bench/keeper-start/run.sh   (N busy loops, each in a session of its own, so a CPU group of
#                                               its own as a pod would be: a rejoin happens on a busy machine)
set -euo pipefail

ROUNDS=${ROUNDS:-5}
LOAD=${LOAD:-0}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/pgpilot-bench-keeper-start.XXXXXX)
chmod 755 "$WORK"
API_PID=""
LOAD_PIDS=()
trap '[ -n "$API_PID" ] && kill "$API_PID" 2>/dev/null; for p in "${LOAD_PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$WORK"' EXIT

"$ROOT/pgpilot" --help >/dev/null   # builds cli/target/lib when sources changed
CP=$(ls "$ROOT"/cli/target/lib/*.jar | tr '\n' ':')
CP=${CP%:}
# fabric8's client on the JDK's own HTTP client, for the last variant (it needs nothing the build lacks).
FABRIC8=$(sed -n 's:.*<fabric8.version>\(.*\)</fabric8.version>.*:\1:p' "$ROOT/pom.xml")
mvn -B -q dependency:copy -Dartifact="io.fabric8:kubernetes-httpclient-jdk:$FABRIC8" -DoutputDirectory="$WORK" >/dev/null
# fabric8 takes the one client on the classpath (with two, the first found): the Vert.x one is taken out.
JDK_CP="$(printf '%s' "$CP" | tr ':' '\n' | grep -v kubernetes-httpclient-vertx | tr '\n' ':')$WORK/kubernetes-httpclient-jdk-$FABRIC8.jar"

# An API server of its own, as local mode runs it.
java -cp "$CP" io.pgpilot.localapi.LocalApiServer --port 0 --kubeconfig "$WORK/kubeconfig" --namespace default >"$WORK/api.log" 2>&1 &
API_PID=$!
for _ in $(seq 300); do [ -s "$WORK/kubeconfig" ] && break; sleep 0.1; done
SERVER=$(sed -n 's/^ *server: *//p' "$WORK/kubeconfig" | head -1)
[ -n "$SERVER" ] || { cat "$WORK/api.log"; exit 1; }
echo "bench-only" > "$WORK/pw"
mkdir -p "$WORK/data"
if [ "$(id -u)" = 0 ]; then chown postgres "$WORK/data"; fi
ARGS=(--cluster keeper-start-bench --namespace default --name k0 --data-dir "$WORK/data"
  --pg-port 45999 --http-port 45998 --superuser-password-file "$WORK/pw" --replication-password-file "$WORK/pw")
# How local mode tells its components where the API server is (no file to parse).
TOKEN=$(sed -n 's/^ *token: *//p' "$WORK/kubeconfig" | head -1)
API_ENV=(KUBERNETES_MASTER="$SERVER" KUBERNETES_AUTH_TOKEN="$TOKEN" KUBERNETES_NAMESPACE=default
  KUBERNETES_AUTH_TRYKUBECONFIG=false KUBERNETES_AUTH_TRYSERVICEACCOUNT=false)
JVM=(-Xss512k -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto)   # what local mode gives a keeper

# One JVM per classpath records the classes it loads; the archive is built from that list, as local mode does.
archive() {   # $1: name, $2: classpath
  env "${API_ENV[@]}" timeout 10 java "${JVM[@]}" -XX:DumpLoadedClassList="$WORK/$1.classlist" -cp "$2" io.pgpilot.keeper.KeeperMain \
    "${ARGS[@]}" >"$WORK/record-$1.log" 2>&1 || true
  java -Xshare:dump -XX:SharedClassListFile="$WORK/$1.classlist" -XX:SharedArchiveFile="$WORK/$1.jsa" -cp "$2" >"$WORK/dump-$1.log" 2>&1
}
archive keeper "$CP"
archive jdkclient "$JDK_CP"

# Prints the keeper's start time in ms as it logs it, the JVM's CPU time in ms until then, and how many
# classes came from an archive. $1: "env" or "kubeconfig"; $2: the classpath; the rest: JVM options.
start_once() {
  local how=$1 classpath=$2; shift 2
  local config=() environment=()
  if [ "$how" = kubeconfig ]; then config=(--kubeconfig "$WORK/kubeconfig"); else environment=("${API_ENV[@]}"); fi
  rm -f "$WORK/classes.log" "$WORK/run.log"
  env "${environment[@]}" java "${JVM[@]}" "$@" -Xlog:class+load=info:file="$WORK/classes.log":uptime -cp "$classpath" \
    io.pgpilot.keeper.KeeperMain "${ARGS[@]}" "${config[@]}" >"$WORK/run.log" 2>&1 &
  local pid=$! waited=0
  until grep -q 'started [0-9]* ms after its process' "$WORK/run.log" 2>/dev/null || [ $waited -ge 800 ]; do
    sleep 0.01; waited=$((waited + 1))
  done
  local ticks cpu
  ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)
  cpu=$((ticks * 1000 / $(getconf CLK_TCK)))
  kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
  local ms
  ms=$(grep -m1 -o 'started [0-9]* ms after its process' "$WORK/run.log" | awk '{print $2}')
  echo "${ms:-none} $cpu $(grep -c 'shared objects file' "$WORK/classes.log")"
}

median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

for _ in $(seq 1 "$LOAD"); do setsid sh -c 'while :; do :; done' & LOAD_PIDS+=($!); done
[ "$LOAD" -gt 0 ] && echo "with $LOAD busy loops running"
local_ms=(); local_cpu=(); bare_ms=(); bare_cpu=(); kube_ms=(); kube_cpu=(); jdk_ms=(); jdk_cpu=()
for round in $(seq 1 "$ROUNDS"); do
  read -r ms cpu shared < <(start_once env "$CP" -XX:SharedArchiveFile="$WORK/keeper.jsa")
  local_ms+=("$ms"); local_cpu+=("$cpu")
  echo "round $round: as local mode (archive, environment)  ${ms} ms, ${cpu} ms CPU (${shared} classes shared)"
  read -r ms cpu shared < <(start_once env "$CP")
  bare_ms+=("$ms"); bare_cpu+=("$cpu")
  echo "round $round: without an archive                   ${ms} ms, ${cpu} ms CPU (${shared} classes shared, the JDK's own)"
  read -r ms cpu shared < <(start_once kubeconfig "$CP" -XX:SharedArchiveFile="$WORK/keeper.jsa")
  kube_ms+=("$ms"); kube_cpu+=("$cpu")
  echo "round $round: archive, kubeconfig file              ${ms} ms, ${cpu} ms CPU (${shared} classes shared)"
  read -r ms cpu shared < <(start_once env "$JDK_CP" -XX:SharedArchiveFile="$WORK/jdkclient.jsa")
  jdk_ms+=("$ms"); jdk_cpu+=("$cpu")
  echo "round $round: archive, the JDK's HTTP client       ${ms} ms, ${cpu} ms CPU (${shared} classes shared)"
done
m() { printf '%s\n' "$@" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
a=$(m "${local_ms[@]}"); ac=$(m "${local_cpu[@]}")
b=$(m "${bare_ms[@]}"); bc=$(m "${bare_cpu[@]}")
c=$(m "${kube_ms[@]}"); cc=$(m "${kube_cpu[@]}")
d=$(m "${jdk_ms[@]}"); dc=$(m "${jdk_cpu[@]}")
echo
echo "keeper process start to its threads running, median of $ROUNDS (wall / CPU), $LOAD busy loops:"
echo "  as local mode starts it (archive, environment): ${a} ms / ${ac} ms"
echo "  without an archive:                             ${b} ms / ${bc} ms  (local mode's / this: $(ratio "$a" "$b"))"
echo "  archive, kubeconfig file to parse:              ${c} ms / ${cc} ms  (local mode's / this: $(ratio "$a" "$c"), CPU $(ratio "$ac" "$cc"))"
echo "  archive, the JDK's HTTP client for fabric8:     ${d} ms / ${dc} ms  (local mode's / this: $(ratio "$a" "$d"), CPU $(ratio "$ac" "$dc"))"
