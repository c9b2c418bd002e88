# Sourced by the benchmarks that run a program of the drills module: builds the CLI, the components and the
# drills when their sources changed, and sets DRILLS_CP to the classpath to run them with. Needs ROOT.

"$ROOT/pgpilot" --help >/dev/null   # builds the CLI and the components when their sources changed
drills=("$ROOT"/drills/target/pgpilot-drills-*.jar)
if [ ! -f "${drills[0]}" ] || [ -n "$(find "$ROOT/drills/src/main" -newer "${drills[0]}" -print -quit)" ]; then
  echo "building the drills..." >&2
  (cd "$ROOT" && mvn -B -q -DskipTests package -pl cli,drills -am) >&2
  drills=("$ROOT"/drills/target/pgpilot-drills-*.jar)
fi
cli=("$ROOT"/cli/target/pgpilot-cli-*.jar)
DRILLS_CP="${drills[0]}:${cli[0]}:$ROOT/cli/target/lib/*"
DRILLS_JVM=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC)
