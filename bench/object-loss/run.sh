#!/usr/bin/env bash
# The writer's gap when pgpilot's objects are lost from a healthy local cluster: each object deleted (or made
# unreadable) in turn, then every object at once over the kept volumes (a namespace re-created).
# Usage: bench/object-loss/run.sh [--runs N] [--synchronous] [--keep]   (--help for more)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../drills.sh
source "$ROOT/bench/drills.sh"
cd "$ROOT"
exec java "${DRILLS_JVM[@]}" -cp "$DRILLS_CP" io.pgpilot.drills.ObjectLossBench "$@"
