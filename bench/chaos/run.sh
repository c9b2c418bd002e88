#!/usr/bin/env bash
# Faults at random times and members on a local cluster under writers and readers, then a check that no
# acknowledged write was lost (synchronous mode) or how many were (asynchronous), and that no two members
# ever accepted writes at once. Prints availability, the longest write gap per fault kind and the seed.
# Usage: bench/chaos/run.sh --minutes N [--synchronous] [--seed S] [--writers W] [--readers R] [--keep]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../drills.sh
source "$ROOT/bench/drills.sh"
cd "$ROOT"
exec java "${DRILLS_JVM[@]}" -cp "$DRILLS_CP" io.pgpilot.drills.chaos.ChaosRun "$@"
