#!/usr/bin/env bash
# Builds OUT_DIR/retune.fatbin (every kernel, machine code for sm_80/86/89/90 plus PTX for compute_90) and
# OUT_DIR/kernels.manifest (lines "sm_80 retune_ce_forward_f32": which kernels have machine code for which GPU).
# Without nvcc it says so and succeeds: the jar then has no kernels and Retune runs its libtorch references.
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: native/build.sh OUT_DIR" >&2
    exit 2
fi
out_dir=$1
native_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

nvcc=$(command -v nvcc || true)
if [[ -z $nvcc && -x /usr/local/cuda/bin/nvcc ]]; then
    nvcc=/usr/local/cuda/bin/nvcc
fi
if [[ -z $nvcc ]]; then
    echo "retune native: nvcc not found; building without CUDA kernels (they will report as unavailable)"
    exit 0
fi

fatbin=$out_dir/retune.fatbin
manifest=$out_dir/kernels.manifest
sources=("$native_dir/include" "$native_dir/src" "$native_dir/build.sh")

# Up to date when both outputs exist and no source (or this script, which holds the flags) is newer than either.
if [[ -f $fatbin && -f $manifest ]] &&
    [[ -z $(find "${sources[@]}" -type f \( -newer "$fatbin" -o -newer "$manifest" \) -print -quit) ]]; then
    echo "retune native: $fatbin up to date"
    exit 0
fi

mkdir -p "$out_dir"
work=$(mktemp -d "$out_dir/.native-build.XXXXXX") # inside OUT_DIR, so the final mv is a rename
trap 'rm -rf "$work"' EXIT

archs=(80 86 89 90)
gencodes=()
for arch in "${archs[@]}"; do
    gencodes+=(-gencode "arch=compute_$arch,code=sm_$arch")
done
gencodes+=(-gencode arch=compute_90,code=compute_90)

start_ns=$(date +%s%N)
# --threads 0: the per-architecture compilations run in parallel on all cores.
if ! "$nvcc" -fatbin -O3 -std=c++17 --Werror all-warnings -Xptxas -v --threads 0 "${gencodes[@]}" \
    -o "$work/retune.fatbin" "$native_dir/src/retune_kernels.cu" >"$work/nvcc.log" 2>&1; then
    cat "$work/nvcc.log" >&2
    echo "retune native: nvcc failed" >&2
    exit 1
fi

# ptxas -v announces each kernel it compiles: "ptxas info : Compiling entry function 'NAME' for 'sm_XX'".
sed -n "s/.*Compiling entry function '\([A-Za-z0-9_]*\)' for '\(sm_[0-9a-z]*\)'.*/\2 \1/p" "$work/nvcc.log" |
    LC_ALL=C sort -u >"$work/kernels.manifest"
if [[ ! -s $work/kernels.manifest ]]; then
    cat "$work/nvcc.log" >&2
    echo "retune native: no kernels found in ptxas output" >&2
    exit 1
fi

mv -f "$work/retune.fatbin" "$fatbin"
mv -f "$work/kernels.manifest" "$manifest"

elapsed_ms=$((($(date +%s%N) - start_ns) / 1000000))
kernels=$(cut -d' ' -f2 "$manifest" | sort -u | wc -l)
built_archs=$(cut -d' ' -f1 "$manifest" | sort -u | tr '\n' ' ')
seconds=$((elapsed_ms / 1000)).$((elapsed_ms % 1000 / 100))
echo "retune native: $kernels kernels for ${built_archs}+ PTX compute_90 in ${seconds}s -> $fatbin"
