#!/usr/bin/env bash
# Failover, switchover and rejoin times on a fresh local cluster with default settings.
# Usage: bench/failover/run.sh [--runs N] [--synchronous]
set -euo pipefail
cd "$(dirname "$0")/../.."
exec ./pgpilot bench-failover "$@"
