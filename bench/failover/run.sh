#!/usr/bin/env bash
# Failover, switchover and rejoin times on a fresh local cluster with default settings.
# Usage: bench/failover/run.sh [--runs N] [--synchronous] [--writer-interval-ms MS] [--keep]   (--help for more)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../drills.sh
source "$ROOT/bench/drills.sh"
cd "$ROOT"
exec java "${DRILLS_JVM[@]}" -cp "$DRILLS_CP" io.pgpilot.drills.FailoverBench "$@"
