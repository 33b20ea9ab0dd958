"""Thread pools sized to the CPUs a process may use: its affinity, lowered to its cgroup's quota."""

import os

from relstream_model.cpu_budget import usable_cpus

AFFINITY = len(os.sched_getaffinity(0))


def test_a_v2_quota_lowers_the_count_and_rounds_up(tmp_path):
    (tmp_path / "cpu.max").write_text("50000 100000\n")
    assert usable_cpus(tmp_path) == 1
    (tmp_path / "cpu.max").write_text(f"{AFFINITY * 100000 + 1} 100000\n")
    assert usable_cpus(tmp_path) == AFFINITY


def test_no_quota_or_no_cgroup_leaves_the_affinity(tmp_path):
    assert usable_cpus(tmp_path / "absent") == AFFINITY
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert usable_cpus(tmp_path) == AFFINITY


def test_a_v1_quota_counts_where_v2_has_none(tmp_path):
    (tmp_path / "cpu").mkdir()
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("100000\n")
    (tmp_path / "cpu" / "cpu.cfs_period_us").write_text("100000\n")
    assert usable_cpus(tmp_path) == 1
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("-1\n")
    assert usable_cpus(tmp_path) == AFFINITY
