"""scripts/device/trim_fatbin.py: one architecture's cubins kept byte for byte, the rest zeroed, the file's shape kept."""

import importlib.util
import struct
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "device" / "trim_fatbin.py"
spec = importlib.util.spec_from_file_location("trim_fatbin", SCRIPT)
assert spec is not None and spec.loader is not None
trim_fatbin = importlib.util.module_from_spec(spec)
spec.loader.exec_module(trim_fatbin)

ELF_CUBIN, PTX = 2, 1


def entry(kind: int, arch: int, payload: bytes) -> bytes:
    header = struct.pack("<HHIQIIHHIIIQQQ", kind, 0x101, 64, len(payload), len(payload), 0, 0, 0, arch, 0, 0, 0x8011, 0, len(payload) * 10)
    return header + payload


def container(*entries: bytes) -> bytes:
    body = b"".join(entries)
    return struct.pack("<IHHQ", 0xBA55ED50, 1, 16, len(body)) + body


def elf_with(section_name: bytes, data: bytes) -> bytes:
    """A 64-bit little-endian ELF file: a header, `data` as a section named `section_name`, the names, the section table."""
    names = b"\0" + section_name + b"\0.shstrtab\0"
    data_at = 64
    names_at = data_at + len(data)
    table_at = names_at + len(names)
    header = bytearray(64)
    header[:6] = b"\x7fELF\x02\x01"
    struct.pack_into("<Q", header, 0x28, table_at)
    struct.pack_into("<HHH", header, 0x3A, 64, 3, 2)

    def section(name_at: int, offset: int, size: int) -> bytes:
        raw = bytearray(64)
        struct.pack_into("<I", raw, 0, name_at)
        struct.pack_into("<QQ", raw, 0x18, offset, size)
        return bytes(raw)

    table = bytes(64) + section(1, data_at, len(data)) + section(2 + len(section_name), names_at, len(names))
    return bytes(header) + data + names + table


def test_keeps_one_architecture_byte_for_byte_and_zeroes_the_rest():
    sm80, sm90, ptx, sm120 = b"A" * 16, b"B" * 24, b"P" * 8, b"C" * 40
    fatbin = container(entry(ELF_CUBIN, 80, sm80), entry(ELF_CUBIN, 90, sm90), entry(PTX, 90, ptx)) + bytes(8) + container(entry(ELF_CUBIN, 120, sm120))
    original = elf_with(b".nv_fatbin", fatbin)
    trimmed = bytearray(original)
    counts = trim_fatbin.trim(trimmed, 90)
    assert len(trimmed) == len(original)
    assert counts == {"containers": 2, "kept": 1, "zeroed": 3, "zeroed_bytes": 16 + 8 + 40, "without_arch": 1}
    assert bytes(trimmed).count(sm90) == 1 and original.find(sm90) == bytes(trimmed).find(sm90)
    for gone in (sm80, ptx, sm120):
        assert gone not in bytes(trimmed)
    # Only payload bytes changed: every header and the rest of the file are as they were.
    changed = [i for i, (a, b) in enumerate(zip(original, trimmed)) if a != b]
    payloads = set()
    for payload in (sm80, ptx, sm120):
        start = original.find(payload)
        payloads.update(range(start, start + len(payload)))
    assert set(changed) == payloads


def test_refuses_what_it_cannot_walk():
    good = container(entry(ELF_CUBIN, 90, b"B" * 8))
    with pytest.raises(ValueError, match="unreadable fatbin"):
        trim_fatbin.trim(bytearray(elf_with(b".nv_fatbin", good + b"junkjunk")), 90)
    overrun = bytearray(good)
    struct.pack_into("<Q", overrun, 8, len(good))  # the container claims more than its entries
    with pytest.raises(ValueError, match="overrun|unreadable"):
        trim_fatbin.trim(bytearray(elf_with(b".nv_fatbin", bytes(overrun) + bytes(64))), 90)
    with pytest.raises(ValueError, match="no .nv_fatbin section"):
        trim_fatbin.trim(bytearray(elf_with(b".text", good)), 90)
    with pytest.raises(ValueError, match="not a 64-bit"):
        trim_fatbin.trim(bytearray(b"MZ" + bytes(100)), 90)
