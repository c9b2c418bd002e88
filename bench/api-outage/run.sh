#!/usr/bin/env bash
# The writer's longest pause through a Kubernetes API outage (SIGSTOP of the API server) on a fresh local
# cluster, and whether a failover followed it. Failsafe is on by default.
# Usage: bench/api-outage/run.sh [--runs N] [--seconds S] [--synchronous]   (--help for more)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../drills.sh
source "$ROOT/bench/drills.sh"
cd "$ROOT"
exec java "${DRILLS_JVM[@]}" -cp "$DRILLS_CP" io.pgpilot.drills.ApiOutageBench "$@"
