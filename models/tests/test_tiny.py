"""The shipped tiny model is what `export.py --tiny` builds, byte for byte, and it learned its task."""

import json
from pathlib import Path

import export
from relstream_model.onnx_export import sha256_file

SHIPPED = Path(export.TINY_DIR)
SHIPPED_START = Path(export.TINY_START_MARKER_DIR)


def test_shipped_config_matches_its_onnx_file():
    for directory in (SHIPPED, SHIPPED_START):
        config = json.loads((directory / "relstream-model.json").read_text())
        assert config["onnx"]["sha256"] == sha256_file(directory / "model.onnx")
        assert config["demoOnly"] is True


def test_rebuild_is_deterministic_and_accurate(tmp_path):
    accuracy = export.build_tiny(tmp_path / "tiny-re-ct", tmp_path / "tiny-re-ct-start-marker", log=lambda *_: None)
    assert accuracy >= 0.9
    for name in ("model.onnx", "tokenizer.json", "relstream-model.json", "parity-fixture.json"):
        assert (tmp_path / "tiny-re-ct" / name).read_bytes() == (SHIPPED / name).read_bytes(), name
    assert (tmp_path / "tiny-re-ct-start-marker" / "model.onnx").read_bytes() == (SHIPPED_START / "model.onnx").read_bytes()
