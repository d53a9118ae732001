#!/usr/bin/env bash
# The GPU check, in one run on a machine with one NVIDIA GPU (meant to take under 8 minutes; not yet timed on a GPU):
#   1. the GPU, driver and date; builds the GPU flavour (-Pgpu) and checks that `retune --version` finds CUDA usable
#   2. the kernel harness (native/run-gpu-tests.sh) and the Java kernel tests, CudaParityTest among them
#   3-5. `retune bench gpu`: each kernel against its libtorch reference, a short LoRA and full fine-tune of the small
#      preset in bf16 and fp16 (tokens/s, MFU), generation frames/s with and without the fused sampler
#   6. one Markdown table of every step to stdout and to --out (default target/gpu-check.md), for docs/benchmarks.md
# Exit status: 0 every step passed (or was skipped in a dry run), 1 a step failed.
#
#   native/gpu-check.sh [--dry-run] [--out FILE] [--peak-tflops TFLOPS]
#     --dry-run            on the CPU: the default build, the Java kernel tests, and bench gpu with the tiny preset and
#                          1 step; what needs CUDA is marked "skipped: no CUDA device"
#     --peak-tflops X      the GPU's peak dense bf16/fp16 TFLOPS for MFU, when the table in GpuPeaks.java lacks it
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
dry=false
out=target/gpu-check.md
bench_args=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --dry-run) dry=true; shift ;;
        --out) out=${2:?--out needs a file}; shift 2 ;;
        --peak-tflops) bench_args+=(--peak-tflops "${2:?--peak-tflops needs a number}"); shift 2 ;;
        *) echo "gpu-check: unknown argument '$1' (usage: native/gpu-check.sh [--dry-run] [--out FILE] [--peak-tflops TFLOPS])" >&2; exit 2 ;;
    esac
done

started=$SECONDS
checks=()   # --check "WHAT=RESULT" for bench gpu's table
step() { echo; echo "== $1 ($((SECONDS - started)) s)"; }
check() { checks+=(--check "$1=$2"); echo "-> $1: $2"; }

step "1. the machine"
echo "date: $(date -u '+%Y-%m-%dT%H:%M:%SZ')"
gpu_name=""
if nvidia-smi; then
    gpu_name=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -n 1)
    echo "GPU: $gpu_name, driver $(nvidia-smi --query-gpu=driver_version --format=csv,noheader | head -n 1)"
elif ! $dry; then
    echo "gpu-check: nvidia-smi failed: no NVIDIA driver or GPU here (native/gpu-check.sh --dry-run checks the plumbing on a CPU)" >&2
    exit 1
fi

if $dry; then
    step "1. build (default flavour: a dry run needs no GPU natives)"
    maven_args=""
else
    step "1. build with -Pgpu"
    maven_args="-Pgpu"
fi
if ! version=$(RETUNE_MAVEN_ARGS=$maven_args ./retune --version); then
    echo "gpu-check: the build failed (log above)" >&2
    exit 1
fi
echo "$version"
cuda_line=$(grep '^CUDA:' <<<"$version")
if $dry; then
    check "build, retune --version" "pass (${cuda_line})"
elif [[ $cuda_line != "CUDA: usable"* ]]; then
    echo "gpu-check: the -Pgpu build does not find CUDA usable: '$cuda_line'. Check the driver (nvidia-smi), the system" \
        "CUDA 13 libraries (cuBLAS, cuDNN, NCCL on LD_LIBRARY_PATH) and that the pytorch linux-x86_64-gpu jar was downloaded" >&2
    exit 1
else
    check "build -Pgpu, retune --version" "pass (${cuda_line})"
fi

step "2. kernel harness (native/run-gpu-tests.sh)"
if $dry; then
    if native/run-gpu-tests.sh --build-only target/native-test | grep -q 'harness built'; then
        check "kernel harness" "skipped: no CUDA device (built with nvcc, not run)"
    else
        check "kernel harness" "skipped: no CUDA device (and no nvcc to build it)"
    fi
else
    native/run-gpu-tests.sh
    case $? in
        0) check "kernel harness" "pass" ;;
        2) check "kernel harness" "fail: no CUDA device" ;;
        *) check "kernel harness" "fail: see the harness output" ;;
    esac
fi

step "2. Java kernel tests (CudaParityTest runs each kernel against its reference on the GPU)"
tests='CudaParityTest,KernelsTest,CodebookCrossEntropyTest,MultiTensorAdamWTest,SamplingStepTest'
rm -f target/surefire-reports/TEST-dev.retune.kernels.*.xml
# shellcheck disable=SC2086
mvn -B -ntp -q $maven_args test -Dtest="$tests" -Dsurefire.failIfNoSpecifiedTests=false
mvn_status=$?
# count ATTRIBUTE [CLASS]: the sum of a <testsuite> attribute over the kernel test reports (or one class's)
count() { cat target/surefire-reports/TEST-dev.retune.kernels.${2:-*}.xml 2>/dev/null | grep -o "<testsuite [^>]*" \
    | grep -o " $1=\"[0-9]*\"" | tr -dc '0-9\n' | awk '{ s += $1 } END { print s + 0 }'; }
summary="$(count tests) tests, $(count skipped) skipped, $(count failures) failed, $(count errors) errors"
if [[ $mvn_status -ne 0 ]]; then
    check "Java kernel tests" "fail: $summary (mvn exit $mvn_status)"
elif ! $dry && [[ $(count tests CudaParityTest) == 0 || $(count skipped CudaParityTest) != 0 ]]; then
    check "Java kernel tests" "fail: $summary: CudaParityTest did not run on the GPU"
else
    check "Java kernel tests" "pass ($summary$($dry && echo ': CudaParityTest needs CUDA'))"
fi

step "3-6. retune bench gpu"
if $dry; then
    bench_args+=(--dry-run)
elif [[ -n $gpu_name ]]; then
    bench_args+=(--gpu-name "$gpu_name")
fi
RETUNE_MAVEN_ARGS=$maven_args ./retune bench gpu "${bench_args[@]}" "${checks[@]}" --out "$out"
status=$?
echo
echo "gpu-check: done in $((SECONDS - started)) s; the table is in $out"
[[ $status -eq 0 ]] || exit 1
