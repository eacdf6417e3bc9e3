#!/usr/bin/env bash
# Prepares, on a machine without a GPU, what tools/gpu_check.sh needs on a
# lent GPU machine whose image may lack this project's Debian libraries:
# a Release build for compute capability 9.0 (build-gpu/), the shared
# libraries its programs load that a CUDA image does not carry (protobuf,
# OpenBLAS and its Fortran runtime), and MNIST when it is found, packed
# into gpu-bundle.tar.xz at the checkout's root. Carry that file with the
# device command; gpu_check.sh unpacks it and skips its own build.
#
#   tools/gpu_bundle.sh [MNIST_DIR]   (default: ../shared/data/mnist)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=build-gpu
MNIST=${1:-../shared/data/mnist}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DTG_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 \
  -DTG_BUILD_EXAMPLES=ON >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target tensorgraph_tests tg bench_mlp bench_train \
  bench_bandwidth train_mnist >/dev/null
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bundle/lib" "$stage/bundle/bin"
cp -L "$BUILD"/libtensorgraph.so.0 "$stage/bundle/lib/"
cp "$BUILD"/tests/tensorgraph_tests "$BUILD"/tg "$BUILD"/tools/bench_{mlp,train,bandwidth} \
  "$BUILD"/examples/train_mnist "$stage/bundle/bin/"
# The libraries the programs load from Debian's archive, not from CUDA's
# toolkit or the C runtime.
for lib in $(ldd "$stage/bundle/bin/tensorgraph_tests" "$stage/bundle/lib/libtensorgraph.so.0" |
             awk '/=> \// {print $3}' | sort -u); do
  case "$lib" in
    */libprotobuf*|*/libopenblas*|*/libgfortran*|*/libquadmath*|*/libz.so*) cp -L "$lib" "$stage/bundle/lib/" ;;
  esac
done
if [ -d "$MNIST" ]; then
  mkdir -p "$stage/bundle/mnist"
  cp "$MNIST"/*.gz "$stage/bundle/mnist/"
fi
tar -C "$stage" -cJf gpu-bundle.tar.xz bundle
ls -la gpu-bundle.tar.xz
