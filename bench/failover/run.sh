#!/usr/bin/env bash
# Failover, switchover and rejoin times on a fresh local cluster with default settings.
# Usage: bench/failover/run.sh [--runs N] [--synchronous] [--writer-interval-ms MS] [--keep]   (--help for more)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
"$ROOT/pgpilot" --help >/dev/null   # builds the CLI and the components when their sources changed
drills=("$ROOT"/drills/target/pgpilot-drills-*.jar)
if [ ! -f "${drills[0]}" ] || [ -n "$(find "$ROOT/drills/src/main" -newer "${drills[0]}" -print -quit)" ]; then
  echo "bench/failover: building the drills..." >&2
  (cd "$ROOT" && mvn -B -q -DskipTests package -pl cli,drills -am) >&2
  drills=("$ROOT"/drills/target/pgpilot-drills-*.jar)
fi
cli=("$ROOT"/cli/target/pgpilot-cli-*.jar)
cd "$ROOT"
exec java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "${drills[0]}:${cli[0]}:$ROOT/cli/target/lib/*" io.pgpilot.drills.FailoverBench "$@"
