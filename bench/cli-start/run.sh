#!/usr/bin/env bash
# How long `pgpilot status` takes, beside a running local cluster (as a user runs it), with the CLI's own
# class-data-sharing archive (what ./pgpilot does once the first successful command after a build has
# written it) and without it (the same JVM options and classpath, no archive). Rounds alternate; medians
# of wall and CPU (user + system) time, and their ratio.
#
# Usage: bench/cli-start/run.sh            (ROUNDS=5; starts a fresh local cluster of its own and removes it;
#                                          rewrites the CLI archive, as the first command after a build does)
set -euo pipefail

ROUNDS=${ROUNDS:-5}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
"$ROOT/pgpilot" --help >/dev/null   # builds what is missing first
# Written afresh by the local up below, as after a build (the first successful command that uses the client).
rm -f "$ROOT"/cli/target/pgpilot-cli-*.jsa
# shellcheck source=../local-cluster.sh
source "$ROOT/bench/local-cluster.sh"
local_cluster_up cli-start
ARCHIVE=$(ls "$ROOT"/cli/target/pgpilot-cli-*.jsa 2>/dev/null | head -1)
[ -n "$ARCHIVE" ] || { echo "no CLI archive in $ROOT/cli/target after a successful command" >&2; exit 1; }
JARS=("$ROOT"/cli/target/pgpilot-cli-*.jar)
JVM=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xlog:disable -Xlog:all=warning:stderr -Xlog:cds=off:stderr)
STATUS=(io.pgpilot.cli.Main status --dir "$DIR")

# Prints wall and CPU milliseconds of one run of the command given.
timed() {
  /usr/bin/time -o "$DIR/time" -f "%e %U %S" "$@" >/dev/null 2>"$DIR/stderr" || { cat "$DIR/stderr" >&2; exit 1; }
  awk '{printf "%d %d\n", $1 * 1000, ($2 + $3) * 1000}' "$DIR/time"
}

median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

with_wall=(); with_cpu=(); without_wall=(); without_cpu=()
for round in $(seq 1 "$ROUNDS"); do
  read -r wall cpu < <(timed "$ROOT/pgpilot" status --dir "$DIR")
  with_wall+=("$wall"); with_cpu+=("$cpu")
  echo "round $round: with the archive     ${wall} ms, ${cpu} ms CPU"
  read -r wall cpu < <(timed java "${JVM[@]}" -cp "${JARS[0]}:$ROOT/cli/target/lib/*" "${STATUS[@]}")
  without_wall+=("$wall"); without_cpu+=("$cpu")
  echo "round $round: without an archive   ${wall} ms, ${cpu} ms CPU"
done
m() { printf '%s\n' "$@" | median; }
a=$(m "${with_wall[@]}"); ac=$(m "${with_cpu[@]}"); b=$(m "${without_wall[@]}"); bc=$(m "${without_cpu[@]}")
echo
echo "pgpilot status beside a local cluster, median of $ROUNDS (wall / CPU):"
echo "  with the CLI's archive: ${a} ms / ${ac} ms"
echo "  without:                ${b} ms / ${bc} ms  (with / without: $(awk -v x="$a" -v y="$b" 'BEGIN{printf "%.2f", x/y}'))"
