"""How many CPUs this process may really use, and thread pools sized to it.

PyTorch, MKL and ONNX Runtime size their pools by the cores the host shows. In a container on a large host
with a CPU quota (Kubernetes limits, a CI runner) that is far more threads than the quota runs: their spinning
burns the quota in a few milliseconds and the kernel throttles the group for the rest of each period. The model
tests once took 3,391 s in CI and 22 s here; this is the suspected cause, and the remedy is cheap either way.
"""

import math
import os
from pathlib import Path

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")
# ONNX Runtime graph fusions relstream's CPU sessions leave out (session_options).
CPU_DISABLED_FUSIONS = ("SkipLayerNormFusion",)


def usable_cpus(cgroup_root="/sys/fs/cgroup"):
    """The CPUs this process may run on, lowered to its cgroup's quota where one is set (v2 or v1)."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    quota = _cgroup_quota(Path(cgroup_root))
    return max(1, min(cpus, math.ceil(quota))) if quota else cpus


def _cgroup_quota(root):
    try:
        fields = (root / "cpu.max").read_text().split()
        if fields and fields[0] != "max":
            return int(fields[0]) / int(fields[1])
        return None
    except (OSError, ValueError, IndexError):
        pass
    try:
        quota = int((root / "cpu" / "cpu.cfs_quota_us").read_text())
        period = int((root / "cpu" / "cpu.cfs_period_us").read_text())
        return quota / period if quota > 0 and period > 0 else None
    except (OSError, ValueError):
        return None


def limit_thread_pools():
    """Before torch is imported: OpenMP and MKL pools no larger than the CPUs at hand (a user's setting wins)."""
    cpus = str(usable_cpus())
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, cpus)


def session_options():
    """ONNX Runtime options whose intra-op pool fits the CPUs at hand (its default is the host's cores), with the
    int8 kernels relstream picks on this CPU (cpu_kernels.py) and the fusions its CPU sessions leave out."""
    import onnxruntime as ort

    from .cpu_kernels import use_exact_int8

    options = ort.SessionOptions()
    options.intra_op_num_threads = usable_cpus()
    use_exact_int8(options)
    # As relstream's CPU sessions (src/inference/model-session.ts): the CPU SkipLayerNormalization kernel is
    # ~5x slower than the Add and LayerNormalization it replaces. Names are split on ';'.
    options.add_session_config_entry("optimization.disable_specified_optimizers", ";".join(CPU_DISABLED_FUSIONS))
    return options
