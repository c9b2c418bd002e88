#!/usr/bin/env bash
# Kubernetes API load of a steady cluster: the requests each pgpilot component sends to the API server,
# per second, on a fresh local cluster (three keepers, two sentinels, the proxy) that nobody writes to or
# drills. Read from local mode's API audit log, which records every request with its client; the local
# supervisor's and the `pgpilot` CLI's own requests are listed apart (they do not exist on Kubernetes,
# where pods and the kubelet take the supervisor's place).
#
# Usage: bench/api-load/run.sh            (WINDOW=60 seconds measured after SETTLE=15 seconds of quiet)
set -euo pipefail

WINDOW=${WINDOW:-60}
SETTLE=${SETTLE:-15}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../local-cluster.sh
source "$ROOT/bench/local-cluster.sh"
local_cluster_up api-load
AUDIT="$DIR/logs/api-audit.log"

echo "cluster ready; letting it settle for ${SETTLE} s, then counting API requests for ${WINDOW} s"
sleep "$SETTLE"
first=$(($(wc -l <"$AUDIT") + 1))
sleep "$WINDOW"
last=$(wc -l <"$AUDIT")

# An audit line is "METHOD /path?query client". A watch is one long request: counted apart, as opened.
sed -n "${first},${last}p" "$AUDIT" | awk -v window="$WINDOW" '
  {
    client = (NF >= 3) ? $NF : "unknown"
    kind = ($2 ~ /[?&]watch=(true|1)/) ? "WATCH" : $1
    n[client, kind]++; total[client]++; clients[client] = 1; kinds[kind] = 1
  }
  END {
    split("GET PUT POST PATCH DELETE WATCH", order, " ")
    printf "%-18s %10s", "client", "requests/s"
    for (i = 1; i <= 6; i++) printf " %7s", order[i]
    printf "\n"
    pgpilot = 0
    for (c in clients) {
      printf "%-18s %10.2f", c, total[c] / window
      for (i = 1; i <= 6; i++) printf " %7d", n[c, order[i]]
      printf "\n"
      if (c != "pgpilot") pgpilot += total[c]
    }
    printf "\ncomponents (keepers, sentinels, proxy): %.2f requests/s in all, %.2f per keeper of 3\n", pgpilot / window, pgpilot / window / 3
    printf "(counts are requests in the %d s window; the client \"pgpilot\" is the local supervisor and CLI)\n", window
  }'
