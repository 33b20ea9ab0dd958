import sys
from pathlib import Path

MODELS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(MODELS))
