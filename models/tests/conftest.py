import os
import sys
from pathlib import Path

# onnxruntime's Python wheel sends usage events to Microsoft (every test here looked its host up). Offline, each
# attempt can wait for DNS and connect timeouts (these tests once took 1,242 s in CI and 21 s here; later 3,391 s
# with telemetry off: thread pools larger than the CPU quota are the next suspect, cpu_budget.py).
os.environ["ORT_DISABLE_TELEMETRY"] = "1"

MODELS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(MODELS))

from relstream_model.cpu_budget import limit_thread_pools  # noqa: E402 (the path above first; torch after)

limit_thread_pools()
