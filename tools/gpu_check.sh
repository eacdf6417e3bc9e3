#!/usr/bin/env bash
# The checks that need a GPU, in one run on a lent GPU machine, writing
# logs and a summary under $OUT (default ./gpu-check-out):
#
#   1. the [cuda] tests (the op and gradient harnesses on the GPU, training
#      eager and as a CUDA graph, the GPU's transfers) and the device and
#      replay tests, with TG_CUDA_SYNC=1 on a second pass;
#   2. compute-sanitizer (memcheck, racecheck) on the GPU training test;
#   3. the whole suite;
#   4. train_mnist with Adam on the GPU, when MNIST came with the bundle;
#   5. the GPU benchmarks beside PyTorch on CUDA: bench_train (784-512-512-10
#      at batch 64 and 4096, SGD and Adam, replayed and eager), bench_mlp
#      (forward and a Run's fixed cost, replayed and eager) and
#      bench_bandwidth (an elementwise chain on 64M floats against a copy).
#
# With gpu-bundle.tar.xz at the checkout's root (tools/gpu_bundle.sh, made
# on a machine without a GPU), it runs those binaries; otherwise it builds
# build-gpu/ here first, which needs the project's dependencies installed.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-$PWD/gpu-check-out}
mkdir -p "$OUT"
summary="$OUT/summary.txt"
: > "$summary"
note() { echo "$*" | tee -a "$summary"; }
start=$SECONDS

note "machine: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -1)"
note "date: $(date -u +%FT%TZ)  commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
note "peer: $(python3 -c 'import torch; print("PyTorch", torch.__version__, "CUDA", torch.version.cuda)' 2>&1 | tail -1)"

if [ -f gpu-bundle.tar.xz ]; then
  rm -rf bundle && tar -xJf gpu-bundle.tar.xz
  export LD_LIBRARY_PATH="$PWD/bundle/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  BIN=$PWD/bundle/bin
  TESTS=$BIN/tensorgraph_tests TRAIN=$BIN/train_mnist BENCH=$BIN
  [ -d bundle/mnist ] && export TG_MNIST_DIR=$PWD/bundle/mnist
  note "binaries: from gpu-bundle.tar.xz"
else
  BUILD=${BUILD:-build-gpu}
  if cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DTG_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 \
       -DTG_BUILD_EXAMPLES=ON >"$OUT/configure.log" 2>&1 &&
     cmake --build "$BUILD" -j "$(nproc)" >"$OUT/build.log" 2>&1; then
    note "build: ok ($((SECONDS - start)) s)"
  else
    note "build: FAILED (see build.log)"
    tail -40 "$OUT/build.log" >>"$summary"
    exit 1
  fi
  TESTS=$BUILD/tests/tensorgraph_tests TRAIN=$BUILD/examples/train_mnist BENCH=$BUILD/tools
fi

run() {  # name, command...: logs to $OUT/name.log, one line in the summary
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

run cuda_tests "$TESTS" "[cuda],[device],[replay]" --durations yes
run cuda_tests_synced env TG_CUDA_SYNC=1 "$TESTS" "[cuda]"
if command -v compute-sanitizer >/dev/null; then
  for tool in memcheck racecheck; do
    run "sanitizer_$tool" compute-sanitizer --tool "$tool" --error-exitcode 1 \
      "$TESTS" "training on the GPU moves only feeds and the loss, eager and as a CUDA graph"
  done
else
  note "compute-sanitizer: not on this machine"
fi
run suite "$TESTS"
if [ -n "${TG_MNIST_DIR:-}" ]; then
  run mnist_gpu "$TRAIN" --device gpu --optimizer adam --epochs 3
  grep -h 'test_accuracy=' "$OUT/mnist_gpu.log" | tail -1 | sed 's/^/  /' >>"$summary"
fi
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
run bench_train "$BENCH/bench_train" --device gpu --batches 64,4096 --python python3
run bench_train_eager "$BENCH/bench_train" --device gpu --batches 64,4096 --replay never --no-peer
run bench_mlp "$BENCH/bench_mlp" --device gpu --batches 64,4096 --python python3
run bench_bandwidth "$BENCH/bench_bandwidth" --device gpu --python python3
for name in bench_train bench_train_eager bench_mlp bench_bandwidth; do
  echo "--- $name" >>"$summary"
  grep -E 'batch|products|fixed cost|chain|ratio|device:' "$OUT/$name.log" >>"$summary" 2>/dev/null
done
note "total: $((SECONDS - start)) s"
cat "$summary"
