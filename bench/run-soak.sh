#!/usr/bin/env bash
# The soak benchmark of issue 9 (dev.isthmus.bench.soak.Soak): 100,000 training steps, then 2,000 model +
# optimizer + Trainer sets built and closed, then 2,000 tensors nobody closes; RSS, the engine's live
# off-heap bytes and NMT sampled throughout. Fixed heap (so heap growth does not look like a leak) and
# -XX:NativeMemoryTracking=summary. Prints Markdown; --save also writes bench/results/soak.md.
#
# Usage: bench/run-soak.sh [--save] [--quick] [Soak options: --steps N --sets N --forgotten N]
# Environment: MVN_FLAGS (extra Maven flags, e.g. -o), ISTHMUS_JAVA_OPTS (e.g. -Disthmus.debug.leaks=true), JAVA or ISTHMUS_JAVA_HOME (default: /usr/lib/jvm/temurin-25-jdk-amd64).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
save=()
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --save) save=(--out bench/results/soak.md); shift ;;
    --quick) args+=(--steps 20000 --sets 300 --forgotten 500); shift ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) args+=("$1"); shift ;;
  esac
done
rm -rf bench/target/lib   # only this checkout's engine jar on the class path (see run-e2e.sh)
mvn -B -ntp -q ${MVN_FLAGS:-} -pl bench -am -DskipTests package
java="${JAVA:-}"
for j in "${ISTHMUS_JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64; do
  [ -z "$java" ] && [ -n "$j" ] && [ -x "$j/bin/java" ] && java="$j/bin/java"
done
[ -n "$java" ] || { echo "run-soak: set JAVA or ISTHMUS_JAVA_HOME to a JDK 25" >&2; exit 2; }
echo "run-soak: load average $(cut -d' ' -f1-3 /proc/loadavg) before the run" >&2
exec "$java" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  -Xms256m -Xmx256m -XX:+AlwaysPreTouch -XX:NativeMemoryTracking=summary ${ISTHMUS_JAVA_OPTS:-} \
  -cp 'bench/target/classes:bench/target/lib/*' dev.isthmus.bench.soak.Soak "${args[@]}" "${save[@]}"
