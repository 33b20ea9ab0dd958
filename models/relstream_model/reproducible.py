"""Pinned CPU arithmetic for the tiny model's rebuild, so that `export.py --tiny` writes the same bytes on
other x86-64 machines than the one that trained it, as far as it can: the C library and MKL still pick some code
paths by CPU (a CI machine still differed in the last bits), so the test allows a rounding (tests/test_tiny.py).

Seeds and one thread are not enough: PyTorch picks its kernels by the CPU's instruction set (AVX-512 sums in
another order than AVX2), and so do MKL and oneDNN. The same code gave other weights on a Sapphire Rapids
machine than on the machine that shipped the model. Here: PyTorch's own kernels at their baseline
(ATEN_CPU_CAPABILITY=default), MKL in its conditional-numerical-reproducibility mode (MKL_CBWR=COMPATIBLE) and
oneDNN off. Both variables are read once, when torch first dispatches or MKL starts, so they are set before torch
is imported: this module never imports torch at load time.
"""

import os
from contextlib import contextmanager

PINNED_ENV = {"ATEN_CPU_CAPABILITY": "default", "MKL_CBWR": "COMPATIBLE"}


class NotPinnedError(RuntimeError):
    pass


def pin_environment():
    """Must run before torch is imported (export.py does it first thing for --tiny)."""
    os.environ.update(PINNED_ENV)


@contextmanager
def pinned_arithmetic():
    """Checks that the pin took effect in this process, then runs the block with oneDNN off."""
    import torch

    capability = torch.backends.cpu.get_cpu_capability()
    unset = [name for name, value in PINNED_ENV.items() if os.environ.get(name) != value]
    if capability != "DEFAULT" or unset:
        raise NotPinnedError(
            f"the tiny model must be built in a fresh process with {PINNED_ENV} set before torch starts "
            f"(torch is using {capability}; unset: {unset or 'none'}): run python models/export.py --tiny"
        )
    with torch.backends.mkldnn.flags(enabled=False):
        yield
