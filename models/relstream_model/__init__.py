"""relstream's model tooling: the relation head, entity markers, ONNX export, the tiny test model."""
