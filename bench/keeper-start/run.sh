#!/usr/bin/env bash
# How long a keeper JVM takes from its start to its convergence loop, the largest part of a rejoin (a
# restarted keeper decides nothing before that), in three variants: as local mode starts it (a
# class-data-sharing archive, the API server's address from fabric8's environment settings), the same
# without the archive, and with the archive but a kubeconfig file to parse instead. The keeper runs against
# an API server address that refuses connections, so no cluster is needed and nothing is touched; the
# figure is what the keeper logs when its threads run: "started N ms after its process" (the process's
# start time is the kernel's, to 10 ms), with the JVM's CPU time (user + system) until it is stopped at that
# line. Rounds alternate between the variants on a quiet machine; medians and ratios are printed.
#
# Usage: bench/keeper-start/run.sh            (builds with ./pgpilot if needed)
#   ROUNDS=5 bench/keeper-start/run.sh
set -euo pipefail

ROUNDS=${ROUNDS:-5}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/pgpilot-bench-keeper-start.XXXXXX)
chmod 755 "$WORK"
trap 'rm -rf "$WORK"' EXIT

"$ROOT/pgpilot" --help >/dev/null   # builds cli/target/lib when sources changed
CP=$(ls "$ROOT"/cli/target/lib/*.jar | tr '\n' ':')
CP=${CP%:}

cat > "$WORK/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "http://127.0.0.1:9"}}]
contexts: [{name: c, context: {cluster: c, namespace: default, user: u}}]
current-context: c
users: [{name: u, user: {token: x}}]
EOF
echo "bench-only" > "$WORK/pw"
mkdir -p "$WORK/data"
if [ "$(id -u)" = 0 ]; then chown postgres "$WORK/data"; fi
ARGS=(--cluster bench --namespace default --name k0 --data-dir "$WORK/data"
  --pg-port 45999 --http-port 45998 --superuser-password-file "$WORK/pw" --replication-password-file "$WORK/pw")
# How local mode tells its components where the API server is (no file to parse).
API_ENV=(KUBERNETES_MASTER=http://127.0.0.1:9 KUBERNETES_AUTH_TOKEN=x KUBERNETES_NAMESPACE=default
  KUBERNETES_AUTH_TRYKUBECONFIG=false KUBERNETES_AUTH_TRYSERVICEACCOUNT=false)
JVM=(-Xss512k -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto)   # what local mode gives a keeper

# One JVM records the classes it loads; the archive is built from that list, as local mode does.
timeout 10 java "${JVM[@]}" -XX:DumpLoadedClassList="$WORK/keeper.classlist" -cp "$CP" io.pgpilot.keeper.KeeperMain "${ARGS[@]}" \
  --kubeconfig "$WORK/kubeconfig" >"$WORK/record.log" 2>&1 || true
java -Xshare:dump -XX:SharedClassListFile="$WORK/keeper.classlist" -XX:SharedArchiveFile="$WORK/keeper.jsa" -cp "$CP" >"$WORK/dump.log" 2>&1

# Prints the keeper's start time in ms as it logs it, the JVM's CPU time in ms until then, and how many
# classes came from an archive. $1: "env" or "kubeconfig"; the rest: JVM options.
start_once() {
  local how=$1; shift
  local config=() environment=()
  if [ "$how" = kubeconfig ]; then config=(--kubeconfig "$WORK/kubeconfig"); else environment=("${API_ENV[@]}"); fi
  rm -f "$WORK/classes.log" "$WORK/run.log"
  env "${environment[@]}" java "${JVM[@]}" "$@" -Xlog:class+load=info:file="$WORK/classes.log":uptime -cp "$CP" \
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

local_ms=(); local_cpu=(); bare_ms=(); bare_cpu=(); kube_ms=(); kube_cpu=()
for round in $(seq 1 "$ROUNDS"); do
  read -r ms cpu shared < <(start_once env -XX:SharedArchiveFile="$WORK/keeper.jsa")
  local_ms+=("$ms"); local_cpu+=("$cpu")
  echo "round $round: as local mode (archive, environment)  ${ms} ms, ${cpu} ms CPU (${shared} classes shared)"
  read -r ms cpu shared < <(start_once env)
  bare_ms+=("$ms"); bare_cpu+=("$cpu")
  echo "round $round: without an archive                   ${ms} ms, ${cpu} ms CPU (${shared} classes shared, the JDK's own)"
  read -r ms cpu shared < <(start_once kubeconfig -XX:SharedArchiveFile="$WORK/keeper.jsa")
  kube_ms+=("$ms"); kube_cpu+=("$cpu")
  echo "round $round: archive, kubeconfig file              ${ms} ms, ${cpu} ms CPU (${shared} classes shared)"
done
m() { printf '%s\n' "$@" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
a=$(m "${local_ms[@]}"); ac=$(m "${local_cpu[@]}")
b=$(m "${bare_ms[@]}"); bc=$(m "${bare_cpu[@]}")
c=$(m "${kube_ms[@]}"); cc=$(m "${kube_cpu[@]}")
echo
echo "keeper process start to its threads running, median of $ROUNDS (wall / CPU):"
echo "  as local mode starts it (archive, environment): ${a} ms / ${ac} ms"
echo "  without an archive:                             ${b} ms / ${bc} ms  (local mode's / this: $(ratio "$a" "$b"))"
echo "  archive, kubeconfig file to parse:              ${c} ms / ${cc} ms  (local mode's / this: $(ratio "$a" "$c"), CPU $(ratio "$ac" "$cc"))"
