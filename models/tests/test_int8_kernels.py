"""Exact int8 kernels where the fast ones saturate: the rule, and ONNX Runtime's kernels on masked CPUs.

The masked runs use scripts/as-cpu.sh (CPUID faulting, tools/cpu-mask/): ONNX Runtime picks its kernels as on
a CPU with only that profile's features. They need the cpuid_fault flag and a C compiler; without them they are
reported as skipped, with the reason.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from relstream_model.cpu_kernels import MASK_PROFILES, cpu_flags, int8_kernels_saturate

REPO = Path(__file__).resolve().parents[2]
CPUINFO = "processor\t: 0\nmodel name\t: Some Xeon\nflags\t\t: fpu sse4_1 avx avx2 fma avx512f avx512bw avx512_vnni avx_vnni\n"
EXACT = 255 * 127 * 2  # 64,770
SATURATED = 2**15 - 1


def test_the_rule_asks_for_exact_kernels_only_without_vnni():
    assert int8_kernels_saturate({"avx2", "fma"}, "x86_64")
    assert int8_kernels_saturate({"avx2", "avx512f"}, "x86_64")
    assert int8_kernels_saturate(set(), "x86_64")  # SSE4.1 kernels saturate too
    assert not int8_kernels_saturate({"avx2", "avx_vnni"}, "x86_64")
    assert not int8_kernels_saturate({"avx512f", "avx512_vnni"}, "x86_64")
    assert not int8_kernels_saturate(set(), "aarch64")


def test_a_masked_process_sees_its_profiles_flags():
    assert cpu_flags(CPUINFO, "") >= {"avx512_vnni", "avx_vnni"}
    assert cpu_flags(CPUINFO, "avx2") == {"avx2", "fma"}
    assert cpu_flags(CPUINFO, "avx512") == {"avx2", "fma", "avx512f"}
    assert cpu_flags(CPUINFO, "avx2-vnni") == {"avx2", "fma", "avx_vnni"}


def _mask_unavailable():
    if "cpuid_fault" not in Path("/proc/cpuinfo").read_text():
        return "this CPU or hypervisor has no CPUID faulting (cpuid_fault)"
    if shutil.which("cc") is None:
        return "no C compiler to build tools/cpu-mask"
    return None


@pytest.mark.parametrize("profile", sorted(MASK_PROFILES))
def test_on_every_cpu_profile_the_chosen_kernels_are_exact(profile):
    reason = _mask_unavailable()
    if reason:
        pytest.skip(reason)
    run = subprocess.run(["bash", str(REPO / "scripts/as-cpu.sh"), profile, "--", sys.executable,
                          str(REPO / "models/tests/int8_probe.py")], capture_output=True, text=True, check=True)
    got = json.loads(run.stdout.strip().splitlines()[-1])
    # The profile hides features; it cannot add what the real CPU lacks.
    visible = cpu_flags(mask=profile)
    fast = SATURATED if int8_kernels_saturate(visible) else EXACT
    assert got == {"fast": fast, "exact": EXACT, "chosen": EXACT}, f"{profile} (visible: {sorted(visible)}): {got}"
