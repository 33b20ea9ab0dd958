#!/usr/bin/env bash
# The GPU benchmark's kit for a lent device machine (issue 19, item 4): the device has a GPU, PyTorch with CUDA 13
# and no registry access, and each command carries at most 64 MiB of ignored files. This builds, here, what the
# device lacks, as numbered chunks of at most 56 MiB under .device-kit/ (the tracked tree travels too, ~4 MB); each
# device call carries the next chunk (chunks already there stay); the last call unpacks them and runs
# scripts/gpu-bench.sh. The device's image has its own Python with torch, transformers, onnx and onnxruntime
# (/work/.library/device/KINDS.md); wheels for them are built only when asked (--python).
#
#   bash scripts/device/kit.sh build [ARCH] [--python]
#                                             here: node 24, the runtime node_modules and dist/, a Java 17 runtime
#                                             (jlink), the Kafka 4.4.0 jars, ONNX Runtime's CUDA provider from the
#                                             onnxruntime-gpu wheel with only sm_ARCH kernels (90: H100, H200):
#                                             .device-kit/core.NN; with --python, cp312 wheels for the export and
#                                             PyTorch's side (transformers, onnx, onnxruntime, numpy) for a host
#                                             whose Python lacks them: .device-kit/python.NN. Prints each call's carry.
#   bash scripts/device/kit.sh probe          there: the GPU, the Python with torch, what it lacks, the chunks present
#   bash scripts/device/kit.sh run [RECORDS]  there: unpacks, exports the random full-size model (fp32, fp16) and
#                                             runs scripts/gpu-bench.sh; results and the log go to $OUT
#
# Rehearse it here without a GPU: `bash scripts/device/kit.sh run --cpu` in a fresh clone holding .device-kit/
# unpacks the same way and runs the CPU ceiling with the kit's node, Java and node_modules.
set -euo pipefail
cd "$(dirname "$0")/../.."
KIT=.device-kit
CHUNK_BYTES=$((56 * 1024 * 1024))
# The model tooling's pins (models/requirements.txt) for the device's Python (3.12 on the H200 of 2026-11-26).
PY_PINS=(transformers==5.24.0 tokenizers==0.23.3 safetensors==0.8.0 onnx==1.23.2 onnxruntime==1.32.0)
PY_VERSION=3.12

cache_dir() { echo "${RELSTREAM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/relstream}"; }

# Writes stdin as CHUNK_BYTES pieces NAME.00, NAME.01, ... under $KIT.
split_into() { split -b "$CHUNK_BYTES" -d -a 2 - "$KIT/$1."; }

build() {
  local arch=90 python=false stage a
  for a in "$@"; do if [ "$a" = --python ]; then python=true; else arch=$a; fi; done
  command -v xz >/dev/null && command -v jlink >/dev/null || { echo "kit: needs xz and jlink (a JDK 17)" >&2; exit 1; }
  [ -x models/.venv/bin/python ] || { echo "kit: needs models/.venv (bash scripts/setup-python.sh)" >&2; exit 1; }
  [ -f dist/bench/run.js ] || { echo "kit: build first (npm ci && npm run build)" >&2; exit 1; }
  # The versions the project runs: the CUDA provider must match onnxruntime-node, the jars the bench's default broker.
  local ORT_VERSION KAFKA_VERSION
  ORT_VERSION=$(node -p 'require("./package.json").dependencies["onnxruntime-node"]')
  KAFKA_VERSION=$(node --input-type=module -e 'import { DEFAULT_KAFKA_VERSION } from "./dist/tools/local-kafka/kafka-jars.js"; console.log(DEFAULT_KAFKA_VERSION)')
  local libs; libs="$(cache_dir)/kafka-$KAFKA_VERSION/libs"
  [ -f "$libs/.verified" ] || node bin/relstream.js kafka fetch --kafka-version "$KAFKA_VERSION" >/dev/null
  rm -rf "$KIT" && mkdir -p "$KIT"
  stage=$(mktemp -d)
  trap 'rm -rf "$stage"' RETURN

  echo "kit: node $(node --version), the runtime node_modules (linux x64) and dist/"
  mkdir -p "$stage/root/node/bin" "$stage/root/cache/kafka-$KAFKA_VERSION"
  cp "$(command -v node)" "$stage/root/node/bin/node"
  # The production dependency tree only. onnxruntime-web is left out: @huggingface/transformers' node build
  # carries its own copy of what it uses of it, and relstream uses only its tokenizer.
  npm ls --omit=dev --parseable --all 2>/dev/null | sed "s|^$PWD/||" | grep '^node_modules/' \
    | awk -F/ '{ print ($2 ~ /^@/) ? $1 "/" $2 "/" $3 : $1 "/" $2 }' | sort -u | grep -v '^node_modules/onnxruntime-web$' > "$stage/modules"

  echo "kit: a Java 17 runtime (jlink) and the Kafka $KAFKA_VERSION jars"
  # The broker's modules, and jdk.compiler for the source launcher of tools/local-kafka's ParentWatch.java.
  jlink --add-modules java.base,java.compiler,java.instrument,java.logging,java.management,java.management.rmi,java.naming,java.net.http,java.prefs,java.rmi,java.scripting,java.security.jgss,java.security.sasl,java.sql,java.transaction.xa,java.xml,java.desktop,jdk.compiler,jdk.crypto.ec,jdk.jfr,jdk.management,jdk.naming.dns,jdk.net,jdk.security.auth,jdk.security.jgss,jdk.unsupported,jdk.zipfs \
    --strip-debug --no-header-files --no-man-pages --output "$stage/root/jre"
  cp -r "$libs" "$stage/root/cache/kafka-$KAFKA_VERSION/libs"

  echo "kit: ONNX Runtime's CUDA provider from onnxruntime-gpu==$ORT_VERSION, sm_$arch kernels only"
  models/.venv/bin/python -m pip download -q --no-deps -d "$stage/wheel" "onnxruntime-gpu==$ORT_VERSION"
  mkdir -p "$stage/root/ort"
  (cd "$stage" && python3 -m zipfile -e wheel/onnxruntime_gpu-*.whl unzipped >/dev/null)
  cp "$stage"/unzipped/onnxruntime/capi/libonnxruntime_providers_shared.so "$stage/root/ort/"
  python3 scripts/device/trim_fatbin.py "$stage"/unzipped/onnxruntime/capi/libonnxruntime_providers_cuda.so "$stage/root/ort/libonnxruntime_providers_cuda.so" "$arch"
  echo "$arch" > "$stage/root/ort/ARCH"
  rm -rf "$stage/wheel" "$stage/unzipped"

  echo "kit: packing core (xz)"
  tar -cf - --exclude='node_modules/onnxruntime-node/bin/napi-v6/darwin' --exclude='node_modules/onnxruntime-node/bin/napi-v6/win32' \
      --exclude='node_modules/onnxruntime-node/bin/napi-v6/linux/arm64' --exclude='*.map' \
      $(cat "$stage/modules") dist -C "$stage" root | xz -T0 -6 | split_into core

  if $python; then
    echo "kit: cp$PY_VERSION wheels for the device's Python (torch is its own)"
    models/.venv/bin/python -m pip download -q --only-binary=:all: --python-version "$PY_VERSION" --implementation cp \
      --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform any \
      -d "$stage/wheels" "${PY_PINS[@]}"
    tar -cf - -C "$stage" wheels | split_into python
  fi

  echo
  echo "kit: one device call per chunk, in order (each carries one; those before stay there):"
  local n=0 f
  for f in "$KIT"/core.* $($python && echo "$KIT"/python.*); do
    n=$((n + 1))
    printf '  call %d: carry ["%s"] (%s MiB)\n' "$n" "$f" "$(( $(stat -c %s "$f") / 1048576 ))"
  done
  echo "  each call's command: bash scripts/device/kit.sh probe (what arrived, what the device's Python lacks);"
  echo "  the last chunk's call, or one after it: bash scripts/device/kit.sh run [RECORDS]"
}

# The Python with torch: the one on PATH, else the device's venv of 2026-11-26.
torch_python() {
  local p
  for p in "${RELSTREAM_BENCH_PYTHON:-}" python3 /opt/torch/.venv/bin/python; do
    [ -n "$p" ] && "$p" -c 'import torch' 2>/dev/null && { command -v "$p"; return; }
  done
  return 1
}

# Modules the export and PyTorch's side need that `python` cannot import.
missing_modules() {
  "$1" - <<'EOF'
import importlib.util
print(' '.join(m for m in ('transformers', 'tokenizers', 'safetensors', 'onnx', 'onnxruntime', 'numpy') if importlib.util.find_spec(m) is None))
EOF
}

probe() {
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 || true
  local py; py=$(torch_python) || { echo "probe: no Python with torch found"; return 0; }
  echo "python: $py ($("$py" -c 'import sys, torch; print(sys.version.split()[0], "torch", torch.__version__, "cuda", torch.cuda.is_available())'))"
  echo "python lacks: $(missing_modules "$py")"
  echo "chunks here: $(ls "$KIT" 2>/dev/null | tr '\n' ' ')"
  command -v xz >/dev/null && echo "xz: yes" || echo "xz: no (python's lzma unpacks)"
  df -h . | tail -1
}

# Concatenated chunks NAME.* on stdout.
joined() { cat "$KIT/$1".*; }

unpack() {
  ls "$KIT"/core.* >/dev/null 2>&1 || { echo "kit: no core chunks in $KIT" >&2; exit 1; }
  # The kit's node_modules replaces the checkout's: never one that npm installed (a developer's checkout).
  [ -f "$KIT/root/.unpacked" ] || [ ! -f node_modules/.package-lock.json ] \
    || { echo "kit: this checkout has node_modules from npm; unpack the kit in a fresh clone" >&2; exit 1; }
  if [ ! -f "$KIT/root/.unpacked" ]; then
    rm -rf "$KIT/root"
    if command -v xz >/dev/null; then joined core | xz -d | tar -xf - -C "$KIT"
    else joined core | python3 -c 'import lzma, sys, tarfile; tarfile.open(fileobj=lzma.open(sys.stdin.buffer), mode="r|").extractall(sys.argv[1])' "$KIT"
    fi
    # node_modules and dist belong in the repository root.
    rm -rf node_modules dist && mv "$KIT/node_modules" "$KIT/dist" .
    touch "$KIT/root/.unpacked"
  fi
}

run() {
  local cpu=false records=40000
  for a in "$@"; do if [ "$a" = --cpu ]; then cpu=true; else records=$a; fi; done
  unpack
  local root; root=$(pwd)/$KIT/root
  export PATH="$root/node/bin:$PATH" JAVA_HOME="$root/jre" RELSTREAM_CACHE_DIR="$root/cache"
  echo "kit: node $(node --version), java $("$JAVA_HOME/bin/java" -version 2>&1 | sed -n 1p)"
  local out=${OUT:-$root/out}
  mkdir -p "$out"
  if $cpu; then
    node dist/bench/run.js --pipeline-only --skip-pipeline --backlog none --ceiling --kafka-client platformatic --records "$records" 2>&1 | tee "$out/log"
    cp bench/results/latest.json "$out/ceiling.json"
    return
  fi
  local py; py=$(torch_python) || { echo "kit: no Python with torch" >&2; exit 1; }
  local lacks; lacks=$(missing_modules "$py")
  if [ -n "$lacks" ]; then
    ls "$KIT"/python.* >/dev/null 2>&1 || { echo "kit: $py lacks $lacks: carry the python chunks" >&2; exit 1; }
    joined python | tar -xf - -C "$KIT"
    # Each wheel as it is (--no-deps: pip's --target would not count the device's own packages), numpy only where
    # the device has none (its torch was built against its own).
    local wheels=()
    for w in "$KIT"/wheels/*.whl; do
      case "$(basename "$w")" in numpy-*) [[ " $lacks " == *" numpy "* ]] || continue ;; esac
      wheels+=("$w")
    done
    "$py" -m pip install -q --no-index --no-deps --target "$root/pylib" "${wheels[@]}"
    export PYTHONPATH="$root/pylib${PYTHONPATH:+:$PYTHONPATH}"
  fi
  export RELSTREAM_BENCH_PYTHON=$py
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee "$out/log"
  OUT=$out ORT_GPU_LIBS="$root/ort" bash scripts/gpu-bench.sh "$root/model" "$records" 2>&1 | tee -a "$out/log"
}

case "${1:-}" in
  build) shift; build "$@" ;;
  probe) probe ;;
  run) shift; run "$@" ;;
  *) sed -n '2,/^set /{/^set /!p}' "$0" >&2; exit 2 ;;
esac
