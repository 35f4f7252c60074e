#!/usr/bin/env bash
# Side by side with PyTorch (issue 5): builds the bench module, then for each thread count runs Isthmus's
# EndToEnd and right after it bench/pytorch/peer.py with the same thread count, and prints a Markdown table
# of both, the ratio and the issue's goals. The table also goes to bench/results/e2e.md with the machine,
# JDK, OpenBLAS core, load average and the command. PyTorch is optional: without `import torch` in
# /usr/bin/python3 only the Isthmus column is filled.
#
# Usage: bench/run-e2e.sh [--quick] [--threads "1 2"] [--skip-alexnet]
# Environment: MVN_FLAGS (extra Maven flags, e.g. -o), PYTHON (default /usr/bin/python3).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

quick=()
skip=()
threads="1 2"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=(--quick); shift ;;
    --skip-alexnet) skip=(--skip-alexnet); shift ;;
    --threads) [ $# -ge 2 ] || { echo "run-e2e: --threads needs a value, e.g. --threads \"1 2\"" >&2; exit 2; }
               threads="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-e2e: unknown option '$1' (options: --quick, --threads \"1 2\", --skip-alexnet)" >&2; exit 2 ;;
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

echo "run-e2e: building the bench module..." >&2
# copy-dependencies keeps a jar in bench/target/lib that is newer than the one just built (for instance one
# another checkout installed into ~/.m2); start from an empty lib so the run uses this checkout's engine
rm -rf bench/target/lib
# shellcheck disable=SC2086
mvn -B -q -ntp ${MVN_FLAGS:-} -pl bench -am package -DskipTests >&2

python="${PYTHON:-/usr/bin/python3}"
have_torch=0
if [ -x "$python" ] && "$python" -c 'import torch' >/dev/null 2>&1; then
  have_torch=1
else
  echo "run-e2e: PyTorch is missing ($python cannot import torch); only Isthmus is measured." >&2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for t in $threads; do
  echo "run-e2e: Isthmus, $t thread(s)..." >&2
  "$jdk/bin/java" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED ${ISTHMUS_JAVA_OPTS:-} \
    -cp "bench/target/classes:bench/target/lib/*" dev.isthmus.bench.e2e.EndToEnd \
    --threads "$t" "${quick[@]}" "${skip[@]}" --json "$work/isthmus-$t.json" >&2
  if [ "$have_torch" = 1 ]; then
    echo "run-e2e: PyTorch, $t thread(s)..." >&2
    OMP_NUM_THREADS="$t" "$python" bench/pytorch/peer.py --threads "$t" "${quick[@]}" "${skip[@]}" \
      --json "$work/torch-$t.json" >&2
  fi
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
flags=$(sed -n 's/^flags[[:space:]]*: //p' /proc/cpuinfo | head -1 | tr ' ' '\n' | grep -E '^(sse4_2|avx|avx2|fma|f16c|avx512[a-z_0-9]*|amx[a-z_0-9]*)$' | tr '\n' ' ')
cores=$(nproc)
java_version=$("$jdk/bin/java" -version 2>&1 | head -1)
command=$(echo "bench/run-e2e.sh ${quick[*]} ${skip[*]}" | tr -s ' ')
command="${command% } --threads \"$threads\""

"$python" - "$work" "$threads" <<PY > "$work/table.md"
import json, os, sys
work, threads = sys.argv[1], sys.argv[2].split()
# key, label, goal (minimum Isthmus/PyTorch speed ratio)
rows = [("mlp_train", "MLP training, batch 64, Adam (images/s)", 2.0),
        ("lenet5_train", "LeNet-5 training, batch 64, Adam (images/s)", 2.0),
        ("lenet5_infer", "LeNet-5 inference, batch 256 (images/s)", 2.0),
        ("alexnet_step_s", "AlexNet training step, batch 16, SGD (s/step)", 1.0)]
def load(name):
    p = os.path.join(work, name)
    return json.load(open(p)) if os.path.exists(p) else {}
meta = {}
print("| workload | threads | Isthmus | PyTorch | speed ratio | goal |")
print("|---|---:|---:|---:|---:|---|")
for t in threads:
    i, p = load("isthmus-%s.json" % t), load("torch-%s.json" % t)
    meta.setdefault("core", i.get("blas_core", "?")); meta.setdefault("torch", p.get("torch", "missing"))
    for key, label, goal in rows:
        if key not in i:
            continue
        a, b = i[key], p.get(key)
        fmt = (lambda v: "%.3f" % v) if key.endswith("_s") else (lambda v: "%.0f" % v)
        if b is None:
            print("| %s | %s | %s | – | – | >= %.0fx: not measured |" % (label, t, fmt(a), goal))
            continue
        ratio = b / a if key.endswith("_s") else a / b
        verdict = "met" if ratio >= goal else "not met"
        print("| %s | %s | %s | %s | %.2fx | >= %.0fx: %s |" % (label, t, fmt(a), fmt(b), ratio, goal, verdict))
print()
print("OpenBLAS core: %s; PyTorch: %s" % (meta.get("core", "?"), meta.get("torch", "missing")))
PY

table=$(cat "$work/table.md")
{
  echo "# Isthmus vs PyTorch, end to end"
  echo
  echo "Speed ratio = Isthmus speed / PyTorch speed (images/s ratio; for AlexNet, PyTorch s/step / Isthmus s/step),"
  echo "so > 1 means Isthmus is faster. Goals (issue 5): MLP and LeNet-5 training and LeNet-5 inference >= 2x,"
  echo "AlexNet step no slower (>= 1x). Each figure is the median of timed repetitions after warm-up, Isthmus run"
  echo "first and PyTorch right after it with the same thread count."
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- machine: $cpu, $cores cores; flags: $flags"
  echo "- JDK: $java_version"
  echo "- load average (1/5/15 min): before $load_before, after $load_after"
  echo "- command: \`$command\`"
  echo
  echo "$table"
} > bench/results/e2e.md
echo
echo "$table"
echo
echo "run-e2e: written to bench/results/e2e.md (load average before: $load_before, after: $load_after)"
