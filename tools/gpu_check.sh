#!/usr/bin/env bash
# The checks that need a GPU, in one run for a lent GPU machine: builds the
# CUDA backend, runs the tests tagged [cuda] and [device] (the test device
# and the GPU), and the benchmarks, writing logs and a summary under $OUT
# (default: ./gpu-check-out). Everything else is tested on the CPU first.
set -uo pipefail
OUT=${OUT:-$PWD/gpu-check-out}
mkdir -p "$OUT"
BUILD=${BUILD:-build-gpu}
summary="$OUT/summary.txt"
: > "$summary"
note() { echo "$*" | tee -a "$summary"; }

note "machine: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -1)"
note "date: $(date -u +%FT%TZ)  commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"

start=$SECONDS
if cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DTG_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 \
     -DTG_BUILD_EXAMPLES=ON >"$OUT/configure.log" 2>&1 &&
   cmake --build "$BUILD" -j "$(nproc)" >"$OUT/build.log" 2>&1; then
  note "build: ok ($((SECONDS - start)) s)"
else
  note "build: FAILED (see build.log)"
  tail -40 "$OUT/build.log" >>"$summary"
  exit 1
fi

run() {  # name, command...
  local name=$1
  shift
  local t=$SECONDS
  if "$@" >"$OUT/$name.log" 2>&1; then
    note "$name: ok ($((SECONDS - t)) s)"
  else
    note "$name: FAILED ($((SECONDS - t)) s, see $name.log)"
    tail -30 "$OUT/$name.log" >>"$summary"
  fi
}

run cuda_tests "$BUILD/tests/tensorgraph_tests" "[cuda],[device]" --durations yes
run suite "$BUILD/tests/tensorgraph_tests"
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
run bench_mlp "$BUILD/tools/bench_mlp" --threads 4 --iters 200 --python ''
run bench_train "$BUILD/tools/bench_train" --threads 4 --no-peer
note "total: $((SECONDS - start)) s"
