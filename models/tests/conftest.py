import os
import sys
from pathlib import Path

# onnxruntime's Python wheel sends usage events to Microsoft (every test here looked its host up). Offline, each
# attempt can wait for DNS and connect timeouts: the likely reason these tests took 1,242 s in CI and 21 s here.
os.environ["ORT_DISABLE_TELEMETRY"] = "1"

MODELS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(MODELS))
