#!/usr/bin/env bash
# The GPU benchmark on a CUDA host (issue 10 item 6, issue 19 items 3 and 4). onnxruntime-node ships the CPU provider only;
# its CUDA provider comes from the PyPI wheel onnxruntime-gpu of the same version (1.30.0), whose
# libonnxruntime_providers_cuda.so links CUDA 13 (cublas, cublasLt, curand, cudart; cuDNN 9 is opened at run
# time). Those CUDA libraries are taken from the host's PyTorch (its nvidia-* packages).
#
#   ORT_GPU_LIBS=DIR bash scripts/gpu-bench.sh ROOT [RECORDS]
#
# DIR holds libonnxruntime_providers_cuda.so and libonnxruntime_providers_shared.so (unzip the wheel's
# onnxruntime/capi/). ROOT receives the random full-size exports (checkpoint/, fp32/, fp16/) unless they are
# there. Results: bench/results/gpu-*.json. Needs node (24), npm ci done, python3 with torch + CUDA.
set -euo pipefail
cd "$(dirname "$0")/.."
root=${1:?usage: ORT_GPU_LIBS=DIR bash scripts/gpu-bench.sh ROOT [RECORDS]}
records=${2:-40000}
python=${RELSTREAM_BENCH_PYTHON:-python3}
export RELSTREAM_BENCH_PYTHON=$python

# The provider libraries go beside libonnxruntime.so: ONNX Runtime looks for them in its own directory.
ort_dir=node_modules/onnxruntime-node/bin/napi-v6/linux/x64
cp "${ORT_GPU_LIBS:?ORT_GPU_LIBS: the directory with libonnxruntime_providers_cuda.so}"/libonnxruntime_providers_{cuda,shared}.so "$ort_dir/"
site=$("$python" -c 'import torch, pathlib; print(pathlib.Path(torch.__file__).parent.parent)')
cuda_dirs=$(find "$site/nvidia" -name 'lib*.so*' \( -name 'libcublas*' -o -name 'libcudnn*' -o -name 'libcudart*' -o -name 'libcurand*' -o -name 'libcufft*' -o -name 'libnvrtc*' -o -name 'libnvJitLink*' \) -printf '%h\n' | sort -u | paste -sd:)
export LD_LIBRARY_PATH="$cuda_dirs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
echo "CUDA libraries from: $cuda_dirs"
if command -v readelf >/dev/null; then readelf -d "$ort_dir/libonnxruntime_providers_cuda.so" | grep NEEDED | sed 's/.*\[/  needs /; s/\]//'; fi

if [ ! -f "$root/fp16/relstream-model.json" ]; then
  (cd models && "$python" export.py --random-base --out "$root/fp32")
  rm -rf "$root/checkpoint" && mv "$root/fp32-checkpoint" "$root/checkpoint"
  (cd models && "$python" export.py --hf "$root/checkpoint" --out "$root/fp16" --optimize --fp16)
fi

# Each result as it is made, and into $OUT where set (a lent device's command may run out of time mid-way).
save() { cp bench/results/latest.json "bench/results/gpu-$1.json"; if [ -n "${OUT:-}" ]; then cp "bench/results/gpu-$1.json" "$OUT/"; fi; }
# Inference: relstream's CUDA session by batch size beside PyTorch fp16, FLOP share.
node dist/bench/run.js --pipeline-only --skip-pipeline --backlog none --gpu-model "$root" && save inference
# End to end, Kafka to Kafka, fp16 on the GPU, every pair an event (minScore 0): the CPU provider's batching
# defaults (32 pairs, one batch in flight), then the CUDA provider's (512 pairs, 32768 tokens, two in flight).
export RELSTREAM_MIN_SCORE=0
RELSTREAM_BATCH_MAX_PAIRS=32 RELSTREAM_BATCH_MAX_TOKENS=8192 RELSTREAM_INFERENCE_CONCURRENCY=1 \
  node dist/bench/run.js --pipeline-only --model "$root/fp16" --provider cuda --records "$records" --backlog none --kafka-client platformatic && save pipeline-cpu-defaults
node dist/bench/run.js --pipeline-only --model "$root/fp16" --provider cuda --records "$records" --backlog none --kafka-client platformatic && save pipeline-cuda-defaults
unset RELSTREAM_MIN_SCORE
# This host's pipeline ceiling (the capacity probe), for the end-to-end figures above.
node dist/bench/run.js --pipeline-only --skip-pipeline --backlog none --ceiling --records "$records" --kafka-client platformatic && save ceiling
# How the ceiling (and its share of the passthrough) grows with cores (issue 19, item 3): the bench, its broker and
# relstream pinned to the first N CPUs, as the 2-core figures in the README were read; the whole host is the run above.
if command -v taskset >/dev/null; then
  cpus=$(nproc)
  for n in 2 4 8; do
    [ "$n" -lt "$cpus" ] || continue
    taskset -c "0-$((n - 1))" node dist/bench/run.js --pipeline-only --skip-pipeline --backlog none --ceiling --records "$records" --kafka-client platformatic && save "ceiling-$n-cpus"
  done
fi
