"""The shipped tiny model is what `export.py --tiny` builds, byte for byte, and it learned its task."""

import json
import subprocess
import sys
from pathlib import Path

import export
import pytest
from relstream_model.onnx_export import sha256_file
from relstream_model.reproducible import NotPinnedError

SHIPPED = Path(export.TINY_DIR)
SHIPPED_START = Path(export.TINY_START_MARKER_DIR)


def test_shipped_config_matches_its_onnx_file():
    for directory in (SHIPPED, SHIPPED_START):
        config = json.loads((directory / "relstream-model.json").read_text())
        assert config["onnx"]["sha256"] == sha256_file(directory / "model.onnx")
        assert config["demoOnly"] is True


def test_rebuild_is_deterministic_and_accurate(tmp_path):
    # A fresh process, as a user runs it: the pinned arithmetic has to be set before torch starts.
    run = subprocess.run([sys.executable, export.__file__, "--tiny", "--out", str(tmp_path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    accuracy = json.loads(run.stdout.strip().splitlines()[-1])["heldOutAccuracy"]
    assert accuracy >= 0.9
    for name in ("model.onnx", "tokenizer.json", "relstream-model.json", "parity-fixture.json"):
        assert (tmp_path / "tiny-re-ct" / name).read_bytes() == (SHIPPED / name).read_bytes(), name
    assert (tmp_path / "tiny-re-ct-start-marker" / "model.onnx").read_bytes() == (SHIPPED_START / "model.onnx").read_bytes()


def test_build_refuses_a_process_whose_arithmetic_is_not_pinned(tmp_path):
    # This pytest process started torch at the machine's own instruction set (the other tests ran before).
    with pytest.raises(NotPinnedError, match="fresh process"):
        export.build_tiny(tmp_path / "a", tmp_path / "b", log=lambda *_: None)
