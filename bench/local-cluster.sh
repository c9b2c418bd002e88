# Sourced by the benchmarks that need a local cluster of their own: `local_cluster_up NAME` starts a fresh one
# under /tmp/pgpilot-bench/NAME.XXXXXX (DIR), on free ports (RW, RO), and removes it when the script exits.
# Needs ROOT, the repository's root.

free_port() {
  local port
  for port in $(shuf -i 30000-39999 -n 50); do
    if ! ss -Hltn "sport = :$port" | grep -q .; then echo "$port"; return; fi
  done
  echo "no free port found" >&2; exit 1
}

local_cluster_up() {
  mkdir -p /tmp/pgpilot-bench
  chmod 755 /tmp/pgpilot-bench
  DIR=$(mktemp -d "/tmp/pgpilot-bench/$1.XXXXXX")
  chmod 755 "$DIR"
  trap '"$ROOT/pgpilot" local down --dir "$DIR" --clean >/dev/null 2>&1 || true' EXIT
  RW=$(free_port); RO=$(free_port)
  while [ "$RO" = "$RW" ]; do RO=$(free_port); done
  "$ROOT/pgpilot" local up --dir "$DIR" --rw-port "$RW" --ro-port "$RO" >"$DIR/up.log" 2>&1 || { cat "$DIR/up.log"; exit 1; }
}
