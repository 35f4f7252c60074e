#!/usr/bin/env bash
# GEMM benchmarks, one command: builds the bench module, compiles the C baseline against the OpenBLAS
# the JVM loads, runs the C program and JMH shape by shape (interleaved, so both sides see the same
# machine load), and prints a Markdown report (GFLOP/s, FFM/C, Vector API/OpenBLAS, ns per call at
# n = 8, the issue's targets). Full mode takes about 16 minutes on 2 quiet cores (about 13 with
# --rounds 1), --quick about 4.
#
# The shapes of the target "FFM >= 97% of C for n >= 256", the square n = 256, 512, 1024 and 2048
# (GemmReport ffm-target-shapes), are measured in paired rounds: the C program, then JMH OpenBLAS, back
# to back, R times over (C, JMH, C, JMH, ...), each round with the full warm-up and measurement. A shared
# host's speed drifts by several percent within a minute, so the report's FFM/C for these rows is the
# median of the per-round ratios FFM_r / C_r, not the ratio of two runs far apart; the GFLOP/s cells are
# each side's median over rounds. Every other shape, and the Vector API JMH of every shape, runs once.
#
# The FFM/C verdict itself comes from a finer comparison (when the target shapes are in the run): the
# bench module's FfmInterleaved times, sample by sample in one JVM, a C loop of cblas_sgemm calls (the
# shared library built from bench/src/main/c/sgemm_loop.c, handed the bindings' own function pointer) and
# the engine's FFM calls on the same matrices, alternating; the pairs are a fraction of a second apart, so
# the host's drift cancels even where paired rounds move by +-10%. About 1.5 minutes more.
#
#   bench/run-gemm.sh [--quick] [--shapes SQ_8,SQ_512,...] [--rounds R] [--save] [--no-build]
#
#   --quick     5 shapes, shorter warm-up and measurement
#   --shapes    an explicit list of GemmShape names (see bench/src/main/java/dev/isthmus/bench/kernel/GemmShape.java)
#   --rounds R  paired C/JMH rounds for the FFM/C target shapes: 3 by default in full mode, 1 with --quick;
#               a round takes 20-30 s per shape in full mode (about 95 s for the four), 10-15 s with --quick
#   --save      also write the report to bench/results/gemm.md (full mode, all shapes) or, for --quick
#               or --shapes, to bench/results/gemm-partial.md, so a short run never replaces the full table
#   --no-build  reuse the last build
# Environment: ISTHMUS_MVN_FLAGS (extra Maven flags, e.g. -o), ISTHMUS_JAVA_HOME (the JDK >= 25 to use).
# Raw results are kept in bench/target/gemm/: JMH JSON per shape (jmh-SHAPE-openblas-rN.json for round N
# of a shape measured in several rounds), sgemm_bench output in c.txt (RESULT lines end with the round).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
command_line="bench/run-gemm.sh${*:+ $*}"

mode=full
shapes=all
rounds=
save=0
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) mode=quick; shapes=quick ;;
    --shapes) [ $# -ge 2 ] || { echo "run-gemm: --shapes needs a list" >&2; exit 2; }; shapes="$2"; shift ;;
    --rounds)
      [ $# -ge 2 ] && [[ "$2" =~ ^[1-9][0-9]?$ ]] || { echo "run-gemm: --rounds needs a count from 1 to 99" >&2; exit 2; }
      rounds="$2"; shift ;;
    --save) save=1 ;;
    --no-build) build=0 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "run-gemm: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ -z "$rounds" ]; then
  if [ "$mode" = quick ]; then rounds=1; else rounds=3; fi
fi

find_jdk() {
  local cand v
  for cand in "${ISTHMUS_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/* /usr/java/* /opt/java/* "$HOME"/.jdks/* "$HOME"/.sdkman/candidates/java/*; do
    [ -n "$cand" ] && [ -x "$cand/bin/java" ] && [ -f "$cand/release" ] || continue
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$cand/release")
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then echo "$cand"; return 0; fi
  done
  return 1
}
jdk=$(find_jdk) || { echo "run-gemm: needs a JDK 25 or newer and none was found: install one or set ISTHMUS_JAVA_HOME." >&2; exit 2; }
command -v gcc >/dev/null || { echo "run-gemm: needs gcc to compile the C baseline (bench/src/main/c/sgemm_bench.c)." >&2; exit 2; }

if [ "$build" = 1 ]; then
  # copy-dependencies keeps a jar in bench/target/lib that is newer than the one just built (one another
  # checkout installed into ~/.m2, say): start from an empty lib so the run uses this checkout's engine
  rm -rf bench/target/lib
  echo "run-gemm: building (mvn -pl bench -am package -DskipTests)..." >&2
  # shellcheck disable=SC2086
  mvn -B -q -ntp ${ISTHMUS_MVN_FLAGS:-} -pl bench -am package -DskipTests >&2
fi

java=("$jdk/bin/java" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED)
cp="bench/target/classes:bench/target/lib/*"
java_report() { "${java[@]}" -cp "$cp" dev.isthmus.bench.report.GemmReport "$@"; }

out="bench/target/gemm"
rm -rf "$out"
mkdir -p "$out"
lib=$(java_report blas)
min_macs=$(java_report parallel-min-macs)
gcc -O2 -std=c11 -Wall -o "$out/sgemm_bench" bench/src/main/c/sgemm_bench.c -ldl
gcc -O2 -std=c11 -Wall -shared -fPIC -o "$out/libsgemm_loop.so" bench/src/main/c/sgemm_loop.c

# The Vector API GEMM gets a long JMH warm-up: until C2 has compiled its kernels they run in C1 code or
# the interpreter, where each vector operation allocates and costs microseconds. In a fresh JVM on the
# busy 2-core machine the per-image convolution shapes took 4-5 s to get there (the first operations
# ~300x slower). OpenBLAS through FFM is steady after well under a second.
if [ "$mode" = quick ]; then
  blas_opts=(-f 1 -wi 2 -w 500ms -i 5 -r 100ms)
  vec_opts=(-f 1 -wi 5 -w 1s -i 5 -r 100ms)
  c_opts=(--warmup-ms 1000 --sample-ms 100 --samples 5)
  settings="quick: JMH 1 fork, warm-up 2 x 500 ms (OpenBLAS) or 5 x 1 s (Vector API), 5 x 100 ms measurement; C 1 s warm-up, 5 samples of >= 100 ms"
else
  blas_opts=(-f 1 -wi 3 -w 1s -i 10 -r 200ms)
  vec_opts=(-f 1 -wi 8 -w 1s -i 10 -r 200ms)
  c_opts=(--warmup-ms 2000 --sample-ms 200 --samples 10)
  settings="full: JMH 1 fork, warm-up 3 x 1 s (OpenBLAS) or 8 x 1 s (Vector API), 10 x 200 ms measurement; C 2 s warm-up, 10 samples of >= 200 ms"
fi
settings="$settings; figures are medians of the measurement iterations / samples; JMH average-time mode with -prof gc; each shape's C run and JMH runs back to back, threads 1 and 2"
selected=$(java_report shapes "$shapes" | tr ',' ' ')
target_shapes=",$(java_report ffm-target-shapes),"
rounds_of() { case "$target_shapes" in *",$1,"*) echo "$rounds" ;; *) echo 1 ;; esac; }
# the report's method line says which shapes ran in rounds, and how many: it sees them in the results

# Runs JMH into $out/jmh-NAME.json. JMH refuses to start while another JMH run holds /tmp/jmh.lock (another
# benchmark on this machine, which would disturb the figures anyway): wait for it rather than fail.
run_jmh() {
  local name="$1" include="$2"; shift 2
  local attempt
  for attempt in $(seq 1 90); do
    if "${java[@]}" -cp "$cp" org.openjdk.jmh.Main "$include" "$@" -prof gc -rf json -rff "$out/jmh-$name.json" \
        >"$out/jmh-$name.log" 2>&1; then
      jmh_files+=("$out/jmh-$name.json")
      return 0
    fi
    if grep -q 'Unable to acquire the JMH lock' "$out/jmh-$name.log" && [ "$attempt" -lt 90 ]; then
      [ "$attempt" = 1 ] && echo "run-gemm: another JMH run holds /tmp/jmh.lock; waiting for it (up to 15 min)" >&2
      sleep 10
      continue
    fi
    echo "run-gemm: JMH failed ($name); see $out/jmh-$name.log" >&2
    tail -20 "$out/jmh-$name.log" >&2
    exit 1
  done
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$SECONDS
"$out/sgemm_bench" --lib "$lib" --parallel-min-macs "$min_macs" --fma-peak-ms 400 </dev/null >"$out/c.txt"
jmh_files=()
for shape in $selected; do
  spec=$(java_report spec "$shape")
  include='GemmBenchmark.openblas'
  # n = 8 also times the raw downcalls (quick mode: only the bindings' own cblas_sgemm)
  if [ "$shape" = SQ_8 ]; then
    if [ "$mode" = quick ]; then include="$include|GemmCallBenchmark.cblasCritical"; else include="$include|GemmCallBenchmark"; fi
  fi
  shape_rounds=$(rounds_of "$shape")
  for round in $(seq 1 "$shape_rounds"); do
    name="$shape-openblas"
    if [ "$shape_rounds" -gt 1 ]; then
      name="$name-r$round"
      echo "run-gemm: $shape round $round of $shape_rounds ($((SECONDS - started)) s)" >&2
    else
      echo "run-gemm: $shape ($((SECONDS - started)) s)" >&2
    fi
    echo "$spec" | "$out/sgemm_bench" --lib "$lib" --threads 1,2 --parallel-min-macs "$min_macs" --round "$round" \
      "${c_opts[@]}" | grep '^RESULT' >>"$out/c.txt"
    run_jmh "$name" "$include" -p shape="$shape" -p threads=1,2 "${blas_opts[@]}"
  done
  run_jmh "$shape-vector" 'GemmBenchmark.vector' -p shape="$shape" -p threads=1,2 "${vec_opts[@]}"
done
interleaved_shapes=""
for shape in $selected; do
  case "$target_shapes" in *",$shape,"*) interleaved_shapes="$interleaved_shapes${interleaved_shapes:+,}$shape" ;; esac
done
interleaved=()
if [ -n "$interleaved_shapes" ]; then
  echo "run-gemm: FFM and C interleaved in one JVM: $interleaved_shapes ($((SECONDS - started)) s)" >&2
  if [ "$mode" = quick ]; then ffm_opts=(--samples 7 --sample-ms 100 --warmup-ms 1000); else ffm_opts=(--samples 15 --sample-ms 150 --warmup-ms 2000); fi
  "${java[@]}" -cp "$cp" dev.isthmus.bench.kernel.FfmInterleaved --lib "$out/libsgemm_loop.so" \
    --shapes "$interleaved_shapes" --threads 1,2 "${ffm_opts[@]}" --out "$out/interleaved.txt" 2> >(grep -v '^WARNING' >&2)
  interleaved=(--interleaved "$out/interleaved.txt")
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
echo "run-gemm: measured in $(( (SECONDS - started) / 60 )) min $(( (SECONDS - started) % 60 )) s" >&2

java_report report --jmh "${jmh_files[@]}" --c "$out/c.txt" "${interleaved[@]}" --out "$out/report.md" --command "$command_line" \
  --mode "$mode" --settings "$settings" --load-before "$load_before" --load-after "$load_after" \
  --date "$(date -u '+%Y-%m-%d %H:%M UTC')"
if [ "$save" = 1 ]; then
  mkdir -p bench/results
  target=bench/results/gemm.md
  [ "$mode" = full ] && [ "$shapes" = all ] || target=bench/results/gemm-partial.md
  cp "$out/report.md" "$target"
  echo "run-gemm: saved to $target" >&2
fi
