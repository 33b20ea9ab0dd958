"""Exact or fast int8 kernels: the rule relstream applies at run time (src/inference/cpu-features.ts), here too.

ONNX Runtime's CPU int8 matrix products (u8 activations x s8 weights) sum pairs of products into a saturating
int16 on x86 CPUs without VNNI (AVX2, AVX-512 without VNNI, SSE4.1): where large activations meet large weights
the result clips, and the full-size int8 export agreed with fp32 on 355 of 358 bench pairs there instead of 357.
`session.x64quantprecision` makes it use exact u8u8 kernels instead; they are slower on every CPU (2-3x on VNNI
ones), so they are asked for only where saturation can happen. With them, int8 results are the same integer
arithmetic on every x86 CPU, and an export's agreement check holds wherever the model runs.
"""

import os
import platform
import re

# What scripts/as-cpu.sh leaves visible per profile (tools/cpu-mask/cpuid-mask.c); /proc/cpuinfo shows the real CPU.
MASK_PROFILES = {
    "avx2": {"avx2", "fma"},
    "avx2-vnni": {"avx2", "fma", "avx_vnni"},
    "avx512": {"avx2", "fma", "avx512f"},
    "avx512-vnni": {"avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni"},
}


def cpu_flags(cpuinfo=None, mask=None):
    """The CPU's feature flags as this process sees them (under scripts/as-cpu.sh, its profile's)."""
    if cpuinfo is None:
        try:
            with open("/proc/cpuinfo") as f:
                cpuinfo = f.read()
        except OSError:
            cpuinfo = ""
    mask = os.environ.get("RELSTREAM_CPU_MASK") if mask is None else mask
    match = re.search(r"^flags\s*:\s*(.*)$", cpuinfo, re.M)
    flags = set(match.group(1).split()) if match else set()
    return flags & MASK_PROFILES[mask] if mask in MASK_PROFILES else flags


def int8_kernels_saturate(flags=None, machine=None):
    """An x86-64 CPU with neither AVX512_VNNI nor AVX-VNNI."""
    machine = platform.machine() if machine is None else machine
    if machine not in ("x86_64", "AMD64"):
        return False
    flags = cpu_flags() if flags is None else flags
    return not ({"avx512_vnni", "avx_vnni"} & flags)


def use_exact_int8(options):
    """Asks the session for exact u8u8 int8 kernels where the fast ones saturate; returns whether it did."""
    if not int8_kernels_saturate():
        return False
    options.add_session_config_entry("session.x64quantprecision", "1")
    return True
