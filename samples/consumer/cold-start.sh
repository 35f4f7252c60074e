#!/usr/bin/env bash
# Cold start of an application that embeds Isthmus, with and without JDK 25's AOT cache: JVM start to the
# first prediction, the prediction rate of the first and the last tenth of a run (warm-up), and the CPU
# time of a whole run; and the same for the './isthmus summary lenet5' launcher command. Prints medians of
# RUNS runs each, alternating the two modes, with the load average before and after.
# Needs the consumer built: mvn -B -ntp -pl samples -am verify -DskipTests. Usage: cold-start.sh [RUNS] [IMAGES]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
runs="${1:-5}" images="${2:-3000}"
java="${ISTHMUS_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
jar="$root/samples/target/consumer-it/consumer/target/isthmus-consumer-1.0.jar"
[ -f "$jar" ] || { echo "build the consumer first: mvn -B -ntp -pl samples -am verify -DskipTests" >&2; exit 2; }
# Jars only, in a fixed order: an AOT cache is made for and checked against one class path of jar files.
cp="$jar:$(ls "$root"/samples/target/lib/*.jar | sort | tr '\n' ':')"
flags=(--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED)
cache="$(mktemp -d)/serve.aot"; trap 'rm -rf "$(dirname "$cache")"' EXIT
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
"$java" "${flags[@]}" -XX:AOTCacheOutput="$cache" -cp "$cp" dev.isthmus.consumer.Serve --images "$images" >/dev/null 2>&1
echo "AOT cache: $(du -h "$cache" | cut -f1) from one run of $images predictions"

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
declare -A first tenth last cpu
for ((r = 0; r < runs; r++)); do
  for mode in off aot; do
    opts=(); [ "$mode" = aot ] && opts=(-XX:AOTCache="$cache")
    out=$( { /usr/bin/time -f "cpu %U %S" "$java" "${flags[@]}" "${opts[@]}" -cp "$cp" dev.isthmus.consumer.Serve --images "$images"; } 2>&1 )
    line=$(grep '^cold start' <<<"$out")
    first[$mode]+="$(sed 's/.*prediction \([0-9]*\) ms.*/\1/' <<<"$line") "
    tenth[$mode]+="$(sed 's/.*first tenth \([0-9]*\) images.*/\1/' <<<"$line") "
    last[$mode]+="$(sed 's/.*last tenth \([0-9]*\) images.*/\1/' <<<"$line") "
    cpu[$mode]+="$(awk '/^cpu/ {print $2 + $3}' <<<"$out") "
  done
done
for mode in off aot; do
  printf 'consumer, AOT %-3s: first prediction %s ms after JVM start, first tenth %s images/s, last tenth %s images/s, CPU %s s (medians of %d)\n' \
    "$mode" "$(tr ' ' '\n' <<<"${first[$mode]}" | grep . | median)" "$(tr ' ' '\n' <<<"${tenth[$mode]}" | grep . | median)" \
    "$(tr ' ' '\n' <<<"${last[$mode]}" | grep . | median)" "$(tr ' ' '\n' <<<"${cpu[$mode]}" | grep . | median)" "$runs"
done
"$root/isthmus" summary lenet5 >/dev/null 2>&1 # builds if needed
declare -A wall
for ((r = 0; r < runs; r++)); do
  for mode in off auto; do
    ISTHMUS_AOT=$mode /usr/bin/time -o "$cache.time" -f "%e %U %S" "$root/isthmus" summary lenet5 >/dev/null 2>&1
    t=$(tail -1 "$cache.time")
    wall[$mode]+="$(awk '{print $1}' <<<"$t") "; cpu[l$mode]+="$(awk '{print $2 + $3}' <<<"$t") "
  done
done
for mode in off auto; do
  printf "./isthmus summary lenet5, ISTHMUS_AOT=%-4s: wall %s s, CPU %s s (medians of %d)\n" "$mode" \
    "$(tr ' ' '\n' <<<"${wall[$mode]}" | grep . | median)" "$(tr ' ' '\n' <<<"${cpu[l$mode]}" | grep . | median)" "$runs"
done
[ -f "$root/samples/target/isthmus.aot" ] || echo "(no launcher cache yet: './isthmus train ...' writes it; the 'auto' rows ran without one)"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
