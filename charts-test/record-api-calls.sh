#!/usr/bin/env bash
# Records the Kubernetes API calls pgpilot's components really make, for the Role test (RoleTest):
# runs a local cluster through bootstrap, a switchover, a graceful stop and restart of the primary, and the
# retirement of a stopped standby (scale down) and its return,
# then keeps the local API server's audit lines whose client is a keeper, sentinel or proxy.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$here/charts-test/src/test/resources/recorded-api-calls.txt"
dir="$(mktemp -d /tmp/pgpilot-record.XXXXXX)"
chmod 755 "$dir"
trap '"$here/pgpilot" local down --dir "$dir/state" --clean >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
pgpilot() { "$here/pgpilot" "$@"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

pgpilot local up --dir "$dir/state" --rw-port "$(free_port)" --ro-port "$(free_port)"
pgpilot switchover --dir "$dir/state"
primary=$(pgpilot status --dir "$dir/state" -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["primary"])')
pgpilot local stop --dir "$dir/state" "$primary"
pgpilot local start --dir "$dir/state" "$primary"
pgpilot local up --dir "$dir/state" >/dev/null   # waits until every member streams again

# Scale down: with a short grace period the sentinel retires a stopped standby and deletes its Lease.
kube() { kubectl --kubeconfig "$dir/state/kubeconfig" "$@"; }
kube get configmap demo-spec -o json \
  | python3 -c 'import json,sys; cm=json.load(sys.stdin); s=json.loads(cm["data"]["spec.json"]); s["departedKeeperGraceMs"]=s["leaseDurationMs"]; cm["data"]["spec.json"]=json.dumps(s); print(json.dumps(cm))' \
  | kube replace --validate=false -f - >/dev/null
standby=$(pgpilot status --dir "$dir/state" -o json | python3 -c 'import json,sys; d=json.load(sys.stdin); print([m["name"] for m in d["members"] if m["name"] != d["primary"]][0])')
pgpilot local stop --dir "$dir/state" "$standby"
retired=no
for _ in $(seq 1 60); do
  if ! kube get lease "demo-keeper-$standby" >/dev/null 2>&1; then retired=yes; break; fi
  sleep 1
done
[ "$retired" = yes ] || { echo "the sentinel did not retire $standby within 60 s" >&2; exit 1; }
pgpilot local start --dir "$dir/state" "$standby"
pgpilot local up --dir "$dir/state" >/dev/null

{
  echo "# API calls of pgpilot's components, as the local API server's audit log records them (METHOD path client),"
  echo "# from a local-mode run through bootstrap, a switchover, a graceful stop and restart of the primary, and a scale down and up."
  echo "# Recorded by charts-test/record-api-calls.sh; RoleTest checks the chart's Role against them."
  grep -E ' pgpilot-(keeper|sentinel|proxy)$' "$dir/state/logs/api-audit.log" \
    | sed -E 's#/namespaces/[^/]+/#/namespaces/default/#' | sort -u
} > "$out"
echo "recorded $(grep -vc '^#' "$out") distinct calls in $out"
