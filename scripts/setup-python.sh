#!/usr/bin/env bash
# The model tooling's Python environment (models/.venv, outside git): torch, transformers, onnx, onnxruntime,
# pytest, pinned in models/requirements.txt. Needed to export models and to run the Python tests; the
# TypeScript service itself never needs Python.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv models/.venv
models/.venv/bin/pip install --quiet --disable-pip-version-check -r models/requirements.txt
models/.venv/bin/python -c "import torch, transformers, onnxruntime; print('torch', torch.__version__, '| transformers', transformers.__version__, '| onnxruntime', onnxruntime.__version__)"
