#!/usr/bin/env bash
# Isthmus against its peers, each at its real speed (issues 5 and 10): PyTorch for training and inference,
# ONNX Runtime (Java API) for inference, on the same workloads, in one invocation of several alternating
# rounds. Before any timing it checks the peers: PyTorch's matmul at n = 1024 on one thread must reach half
# of Isthmus's OpenBLAS, else the script says which BLAS torch loaded and how to fix it, and prints no
# PyTorch ratio. Threads: 1 = OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1; t > 1 = OpenMP t with OpenBLAS 1 (PyTorch's
# best setting, the peer figure) and both pools at t beside it. The table (median of per-round ratios and
# their range) goes to bench/results/e2e.md with the machine, CPU flags, BLAS of each side and load.
#
# Usage: bench/run-e2e.sh [--quick] [--threads "1 2"] [--rounds N] [--skip-alexnet] [--no-ort] [--keep DIR]
# --keep DIR keeps every side's raw JSON per round there (PeerReport DIR --threads .. --rounds .. re-prints the table).
# Environment: MVN_FLAGS (extra Maven flags, e.g. -o), PYTHON (default /usr/bin/python3).
# ONNX Runtime comes through the bench module's Maven profile `ort` (a 139 MB jar, fetched on first use).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

quick=()
skip=()
threads="1 2"
rounds=3
ort=1
keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=(--quick); shift ;;
    --skip-alexnet) skip=(--skip-alexnet); shift ;;
    --no-ort) ort=0; shift ;;
    --keep) [ $# -ge 2 ] || { echo "run-e2e: --keep needs a directory" >&2; exit 2; }
            keep="$2"; shift 2 ;;
    --threads) [ $# -ge 2 ] || { echo "run-e2e: --threads needs a value, e.g. --threads \"1 2\"" >&2; exit 2; }
               threads="$2"; shift 2 ;;
    --rounds) [ $# -ge 2 ] && [[ "$2" =~ ^[1-9][0-9]*$ ]] || { echo "run-e2e: --rounds needs a positive integer" >&2; exit 2; }
              rounds="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-e2e: unknown option '$1' (options: --quick, --threads \"1 2\", --rounds N, --skip-alexnet, --no-ort, --keep DIR)" >&2; exit 2 ;;
  esac
done
for t in $threads; do
  [[ "$t" =~ ^[1-9][0-9]*$ ]] || { echo "run-e2e: thread counts must be positive integers, got '$t'" >&2; exit 2; }
done

find_jdk() {
  local cand v
  for cand in "${ISTHMUS_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/* /usr/java/* /opt/java/* "$HOME"/.jdks/*; do
    [ -n "$cand" ] && [ -x "$cand/bin/java" ] && [ -f "$cand/release" ] || continue
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$cand/release")
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then echo "$cand"; return 0; fi
  done
  return 1
}
jdk=$(find_jdk) || { echo "run-e2e: needs a JDK 25 or newer (set ISTHMUS_JAVA_HOME)" >&2; exit 2; }

profile=()
[ "$ort" = 1 ] && profile=(-Port)
echo "run-e2e: building the bench module${profile:+ (with ONNX Runtime)}..." >&2
# copy-dependencies keeps a jar in bench/target/lib that is newer than the one just built (for instance one
# another checkout installed into ~/.m2); start from an empty lib so the run uses this checkout's engine
rm -rf bench/target/lib
# shellcheck disable=SC2086
mvn -B -q -ntp ${MVN_FLAGS:-} "${profile[@]}" -pl bench -am package -DskipTests >&2

java_run() {
  "$jdk/bin/java" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED ${ISTHMUS_JAVA_OPTS:-} \
    -cp "bench/target/classes:bench/target/lib/*" "$@"
}
python="${PYTHON:-/usr/bin/python3}"
if [ -n "$keep" ]; then
  mkdir -p "$keep"
  work=$(cd "$keep" && pwd)
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi

echo "run-e2e: checking the peers (matmul n = 1024, one thread)..." >&2
java_run dev.isthmus.bench.e2e.BlasProbe --json "$work/probe-isthmus.json" >&2
have_torch=0
if [ -x "$python" ] && "$python" -c 'import torch' >/dev/null 2>&1; then
  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$python" bench/pytorch/peer.py --probe --json "$work/probe-torch.json" >&2
  if java_run dev.isthmus.bench.e2e.PeerReport "$work" --torch-ok >&2; then
    have_torch=1
  else
    echo "run-e2e: PyTorch will not be timed (see above)." >&2
  fi
else
  echo "run-e2e: PyTorch is missing ($python cannot import torch: apt-get install python3-torch libopenblas0-pthread);" \
       "no PyTorch figures and no ONNX models to give ONNX Runtime." >&2
  ort=0
fi
if [ "$ort" = 1 ]; then
  echo "run-e2e: exporting LeNet-5 and AlexNet to ONNX with torch.onnx.export..." >&2
  "$python" bench/pytorch/peer.py --export-onnx "$work/onnx" >&2
fi

isthmus_run() { java_run dev.isthmus.bench.e2e.EndToEnd --threads "$1" "${quick[@]}" "${skip[@]}" --json "$2" >&2; }
torch_run() {  # threads, OpenBLAS threads, output
  OMP_NUM_THREADS="$1" OPENBLAS_NUM_THREADS="$2" "$python" bench/pytorch/peer.py --threads "$1" "${quick[@]}" "${skip[@]}" \
    --json "$3" >&2
}
ort_run() { java_run dev.isthmus.bench.ort.OrtPeer --models "$work/onnx" --threads "$1" "${quick[@]}" "${skip[@]}" --json "$2" >&2; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
loads=""
for r in $(seq 1 "$rounds"); do
  loads="$loads r$r: $(cut -d' ' -f1 /proc/loadavg);"
  for t in $threads; do
    # alternate the order round by round, so no side always runs first after the previous one's heat
    sides="isthmus torch ort"
    [ $((r % 2)) = 0 ] && sides="ort torch isthmus"
    for side in $sides; do
      case "$side" in
        isthmus) echo "run-e2e: round $r/$rounds, $t thread(s): Isthmus..." >&2
                 isthmus_run "$t" "$work/isthmus-t$t-r$r.json" ;;
        torch) if [ "$have_torch" = 1 ]; then
                 echo "run-e2e: round $r/$rounds, $t thread(s): PyTorch (OpenMP $t, OpenBLAS 1)..." >&2
                 torch_run "$t" 1 "$work/torch-t$t-r$r.json"
                 if [ "$t" -gt 1 ]; then
                   echo "run-e2e: round $r/$rounds, $t thread(s): PyTorch (OpenMP $t, OpenBLAS $t)..." >&2
                   torch_run "$t" "$t" "$work/torchnaive-t$t-r$r.json"
                 fi
               fi ;;
        ort) if [ "$ort" = 1 ]; then
               echo "run-e2e: round $r/$rounds, $t thread(s): ONNX Runtime..." >&2
               ort_run "$t" "$work/ort-t$t-r$r.json"
             fi ;;
      esac
    done
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
flags=$(sed -n 's/^flags[[:space:]]*: //p' /proc/cpuinfo | head -1 | tr ' ' '\n' | grep -E '^(sse4_2|avx|avx2|fma|f16c|avx512[a-z_0-9]*|amx[a-z_0-9]*)$' | tr '\n' ' ')
cores=$(nproc)
java_version=$("$jdk/bin/java" -version 2>&1 | head -1)
command=$(echo "bench/run-e2e.sh ${quick[*]} ${skip[*]} $([ "$ort" = 1 ] || echo --no-ort)" | tr -s ' ')
command="${command% } --rounds $rounds --threads \"$threads\""

table=$(java_run dev.isthmus.bench.e2e.PeerReport "$work" --threads "$threads" --rounds "$rounds")
# a quick run is a smoke test of the harness: its figures never replace the results file
out=bench/results/e2e.md
[ ${#quick[@]} -gt 0 ] && out="$work/e2e.md"
blas=$(java_run dev.isthmus.bench.e2e.PeerReport "$work" --threads "$threads" --rounds "$rounds" --blas)
{
  echo "# Isthmus vs PyTorch and ONNX Runtime, end to end"
  echo
  echo "Every ratio is a speed ratio, Isthmus over the peer (images/s over images/s; for times and latencies the peer's"
  echo "over Isthmus's), so > 1 means Isthmus is faster. Each round runs Isthmus, PyTorch and ONNX Runtime back to back"
  echo "(order reversed every other round); a figure is the median of timed repetitions after warm-up, and a ratio cell"
  echo "is the median of the per-round ratios with their range [min-max] over $rounds round(s). PyTorch runs with OpenMP t"
  echo "and OpenBLAS 1 (its best setting) as the peer figure; the column beside it has OpenBLAS at t too."
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- machine: $cpu, $cores cores; flags: $flags"
  echo "- JDK: $java_version"
  echo "- load average (1/5/15 min): before $load_before, after $load_after; 1-min at each round's start:$loads"
  echo "- command: \`$command\`"
  echo "$blas"
  echo
  echo "$table"
} > "$out"
echo
echo "$blas"
echo
echo "$table"
echo
if [ ${#quick[@]} -gt 0 ]; then
  echo "run-e2e: --quick: bench/results/e2e.md left as it was (load average before: $load_before, after: $load_after)"
else
  echo "run-e2e: written to bench/results/e2e.md (load average before: $load_before, after: $load_after)"
fi
