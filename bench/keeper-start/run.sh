#!/usr/bin/env bash
# How long a keeper JVM takes from its start to its convergence loop, with and without a class-data-sharing
# archive: the largest part of a rejoin (a restarted keeper decides nothing before that). The keeper runs
# against an API server address that refuses connections, so no cluster is needed and nothing is touched;
# the figure is what the keeper logs when its threads run: "started N ms after its process" (the process's
# start time is the kernel's, to 10 ms). Rounds alternate between the two variants on a quiet machine;
# medians and their ratio are printed.
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
ARGS=(--cluster bench --namespace default --kubeconfig "$WORK/kubeconfig" --name k0 --data-dir "$WORK/data"
  --pg-port 45999 --http-port 45998 --superuser-password-file "$WORK/pw" --replication-password-file "$WORK/pw")
JVM=(-Xss512k -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto)   # what local mode gives a keeper

# One JVM records the classes it loads; the archive is built from that list, as local mode does.
timeout 10 java "${JVM[@]}" -XX:DumpLoadedClassList="$WORK/keeper.classlist" -cp "$CP" io.pgpilot.keeper.KeeperMain "${ARGS[@]}" \
  >"$WORK/record.log" 2>&1 || true
java -Xshare:dump -XX:SharedClassListFile="$WORK/keeper.classlist" -XX:SharedArchiveFile="$WORK/keeper.jsa" -cp "$CP" >"$WORK/dump.log" 2>&1

# Prints the keeper's start time in ms as it logs it, and how many classes came from an archive.
start_once() {
  rm -f "$WORK/classes.log"
  timeout 8 java "${JVM[@]}" "$@" -Xlog:class+load=info:file="$WORK/classes.log":uptime -cp "$CP" io.pgpilot.keeper.KeeperMain "${ARGS[@]}" \
    >"$WORK/run.log" 2>&1 || true
  local ms
  ms=$(grep -m1 -o 'started [0-9]* ms after its process' "$WORK/run.log" | awk '{print $2}')
  echo "${ms:-none} $(grep -c 'shared objects file' "$WORK/classes.log")"
}

median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

with=(); without=()
for round in $(seq 1 "$ROUNDS"); do
  read -r ms shared < <(start_once -XX:SharedArchiveFile="$WORK/keeper.jsa")
  with+=("$ms"); echo "round $round: with the archive    ${ms} ms (${shared} classes shared)"
  read -r ms shared < <(start_once)
  without+=("$ms"); echo "round $round: without an archive ${ms} ms (${shared} classes shared, the JDK's own)"
done
a=$(printf '%s\n' "${with[@]}" | median)
b=$(printf '%s\n' "${without[@]}" | median)
echo
echo "keeper process start to its threads running, median of $ROUNDS: with the archive ${a} ms, without ${b} ms, ratio $(awk -v a="$a" -v b="$b" 'BEGIN{printf "%.2f", a/b}')"
