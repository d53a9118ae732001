#!/usr/bin/env bash
# Builds native/test/harness.cu and runs it on this machine's GPU. The exit status is the harness's:
# 0 all cases passed, 1 a case failed (or the build did), 2 no CUDA device.
#   native/run-gpu-tests.sh --build-only DIR   only compiles the harness (warning-free, sm_80) into DIR/harness:
#                                              the Maven build does this so that CI compiles it everywhere
set -euo pipefail

native_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
nvcc=$(command -v nvcc || true)
if [[ -z $nvcc && -x /usr/local/cuda/bin/nvcc ]]; then
    nvcc=/usr/local/cuda/bin/nvcc
fi

if [[ ${1:-} == --build-only ]]; then
    if [[ $# -ne 2 ]]; then
        echo "usage: native/run-gpu-tests.sh --build-only DIR" >&2
        exit 2
    fi
    if [[ -z $nvcc ]]; then
        echo "retune native: nvcc not found; the kernel test harness is not built"
        exit 0
    fi
    mkdir -p "$2"
    "$nvcc" -std=c++17 -O2 --Werror all-warnings -gencode arch=compute_80,code=sm_80 -o "$2/harness" "$native_dir/test/harness.cu"
    echo "retune native: kernel test harness built -> $2/harness (run native/run-gpu-tests.sh on a GPU machine)"
    exit 0
fi

if [[ -z $nvcc ]]; then
    echo "run-gpu-tests: nvcc not found (put the CUDA toolkit's bin on PATH)" >&2
    exit 1
fi

echo "GPU: $(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null || echo 'none (nvidia-smi failed)')"
echo "date: $(date -u '+%Y-%m-%dT%H:%M:%SZ')"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# -arch=native compiles for the GPUs present. nvcc refuses it where it is too old, and only warns (falling back to
# its default architecture) where it sees no GPU: either way the harness is then built for sm_80 and sm_90, with
# PTX for newer GPUs.
echo '__global__ void probe() {}' >"$work/probe.cu"
if probe=$("$nvcc" -arch=native -c "$work/probe.cu" -o "$work/probe.o" 2>&1) && [[ -z $probe ]]; then
    arch=(-arch=native)
else
    arch=(-gencode arch=compute_80,code=sm_80 -gencode "arch=compute_90,code=[sm_90,compute_90]")
fi

if ! "$nvcc" -std=c++17 -O2 --Werror all-warnings "${arch[@]}" -o "$work/harness" "$native_dir/test/harness.cu"; then
    echo "run-gpu-tests: the harness did not build" >&2
    exit 1
fi
status=0
"$work/harness" || status=$?
exit "$status"
