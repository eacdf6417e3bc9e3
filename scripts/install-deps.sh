#!/usr/bin/env bash
# Installs the Debian packages tensorgraph builds with, when any is missing.
# docs/dependencies.md says why each one is needed.
set -euo pipefail

packages=(
  cmake g++ make pkg-config
  libprotobuf-dev protobuf-compiler  # the GraphDef wire format
  libopenblas-dev                    # CPU matrix multiplication (CBLAS)
  libdnnl-dev                        # CPU convolution, pooling, batch norm (oneDNN)
  libcli11-dev                       # the tg command line
  zlib1g-dev                         # gzip-compressed data files, checkpoint checksums
  nlohmann-json3-dev                 # checkpoint (safetensors) JSON headers
  catch2                             # the test suite
  clang libclang-rt-14-dev           # tests: the fuzzers (libFuzzer) and the two-compiler check
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "Installing Debian packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
