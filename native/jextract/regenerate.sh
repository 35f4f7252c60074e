#!/usr/bin/env bash
# Regenerates bindings/src/main/java/dev/isthmus/bindings/cblas/cblas_h.java from OpenBLAS's cblas.h.
#
# jextract is not installable on the project's build machines, so the committed file was written by hand
# in exactly the shape this command produces; running it where jextract exists (jextract 22+, for JDK 22+)
# must give a drop-in diff. Usage: native/jextract/regenerate.sh [path/to/openblas/include]
#
# The header comes from the same artifact the build uses: org.bytedeco:openblas:0.3.31-1.5.13:linux-x86_64
# ships it as org/bytedeco/openblas/linux-x86_64/include/cblas.h.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
include="${1:-}"
if [ -z "$include" ]; then
  jar="$HOME/.m2/repository/org/bytedeco/openblas/0.3.31-1.5.13/openblas-0.3.31-1.5.13-linux-x86_64.jar"
  tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
  unzip -q -o "$jar" 'org/bytedeco/openblas/linux-x86_64/include/*' -d "$tmp"
  include="$tmp/org/bytedeco/openblas/linux-x86_64/include"
fi
out="$root/bindings/src/main/java"

jextract \
  --output "$out" \
  --target-package dev.isthmus.bindings.cblas \
  --header-class-name cblas_h \
  -I "$include" \
  --include-function cblas_sgemm \
  --include-function cblas_sgemv \
  --include-function cblas_saxpy \
  --include-function cblas_sdot \
  --include-function cblas_sscal \
  --include-function openblas_set_num_threads \
  --include-function openblas_get_num_threads \
  --include-function openblas_get_corename \
  --include-function openblas_get_config \
  --include-constant CblasRowMajor --include-constant CblasColMajor \
  --include-constant CblasNoTrans --include-constant CblasTrans \
  --include-constant CblasConjTrans --include-constant CblasConjNoTrans \
  --include-constant CblasUpper --include-constant CblasLower \
  --include-constant CblasNonUnit --include-constant CblasUnit \
  --include-constant CblasLeft --include-constant CblasRight \
  "$include/cblas.h"

# The one post-edit jextract cannot do: link the BLAS compute downcalls as critical (no thread-state
# transition, about 20-30 ns saved per call, which is what keeps an 8x8 GEMM within 100 ns of C).
# Critical calls must not block or call back into Java and cannot be paused for a safepoint; OpenBLAS's
# compute routines satisfy the first two, and OpenBlasGemm sends long calls through an ordinary handle
# it links from cblas_sgemm$address()/$descriptor(), so the garbage collector is never held up for long.
f="$out/dev/isthmus/bindings/cblas/cblas_h.java"
for fn in cblas_sdot cblas_saxpy cblas_sscal cblas_sgemv cblas_sgemm; do
  perl -0pi -e "s/(private static class $fn \{.*?downcallHandle\(ADDR, DESC)\)/\$1, Linker.Option.critical(false))/s" "$f"
done
echo "regenerated $f"
