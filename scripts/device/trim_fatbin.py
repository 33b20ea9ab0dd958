"""Keep one GPU architecture's kernels in a CUDA library, so that it travels small (scripts/device/kit.sh).

ONNX Runtime's CUDA provider (272 MB) is mostly `.nv_fatbin`: one fatbin container per compiled unit, each with a
cubin per architecture (sm_75 to sm_120), already compressed. This zeroes the payload of every entry for another
architecture and keeps every header, size and offset, so the ELF file is the same shape and the driver finds the
wanted architecture's cubin where it was; the zeros then compress to nothing. The driver never reads an entry for
another architecture, so the trimmed library runs only on that architecture (sm_90: H100, H200).

    python3 trim_fatbin.py LIBRARY OUT [ARCH]

Refuses (exit 1) a file whose fatbin it cannot walk rather than write a library that fails at run time. A container
with no cubin for ARCH in the original (sm_120-only kernels) is zeroed too: the card could not run it either way.
"""
import struct
import sys

FATBIN_MAGIC = 0xBA55ED50
CONTAINER = struct.Struct('<IHHQ')  # magic, version, header size, size of the entries after the header
ENTRY = struct.Struct('<HHIQ')  # kind, version, header size, payload size (then arch at offset 28)
KIND_PTX = 1
ENTRY_HEADER_BYTES = 32  # at least up to the architecture field


def section(elf: bytes | bytearray, name: bytes) -> tuple[int, int]:
    """File offset and size of the named section of a 64-bit little-endian ELF file."""
    if elf[:4] != b'\x7fELF' or elf[4] != 2 or elf[5] != 1:
        raise ValueError('not a 64-bit little-endian ELF file')
    shoff, = struct.unpack_from('<Q', elf, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from('<HHH', elf, 0x3A)
    def header(i: int) -> tuple[int, int, int]:
        name_at, = struct.unpack_from('<I', elf, shoff + i * shentsize)
        offset, size = struct.unpack_from('<QQ', elf, shoff + i * shentsize + 0x18)
        return name_at, offset, size
    _, names_at, _ = header(shstrndx)
    for i in range(shnum):
        name_at, offset, size = header(i)
        end = elf.index(b'\0', names_at + name_at)
        if elf[names_at + name_at:end] == name:
            return offset, size
    raise ValueError(f'no {name.decode()} section')


def trim(elf: bytearray, arch: int) -> dict[str, int]:
    start, size = section(elf, b'.nv_fatbin')
    at, end = start, start + size
    counts = {'containers': 0, 'kept': 0, 'zeroed': 0, 'zeroed_bytes': 0, 'without_arch': 0}
    while at < end:
        if at + CONTAINER.size > end or CONTAINER.unpack_from(elf, at)[0] != FATBIN_MAGIC:
            if any(elf[at:min(at + 8, end)]):
                raise ValueError(f'unreadable fatbin at file offset {at:#x}')
            at += 8  # containers are 8-byte aligned; zero padding between them
            continue
        _, _, header_size, entries_size = CONTAINER.unpack_from(elf, at)
        counts['containers'] += 1
        entry, entries_end = at + header_size, at + header_size + entries_size
        if entries_end > end:
            raise ValueError(f'fatbin container at {at:#x}: its entries overrun the section')
        kept = 0
        while entry < entries_end:
            kind, _, entry_header, payload = ENTRY.unpack_from(elf, entry)
            entry_arch, = struct.unpack_from('<I', elf, entry + 28)
            body = entry + entry_header
            if entry_header < ENTRY_HEADER_BYTES or body + payload > entries_end:
                raise ValueError(f'fatbin container at {at:#x}: an entry overruns it')
            if kind != KIND_PTX and entry_arch == arch:
                kept += 1
            else:
                elf[body:body + payload] = bytes(payload)
                counts['zeroed'] += 1
                counts['zeroed_bytes'] += payload
            entry = body + payload
        counts['kept'] += kept
        counts['without_arch'] += kept == 0
        at = entries_end
    if counts['containers'] == 0:
        raise ValueError('no fatbin containers')
    return counts


def main() -> int:
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    source, out = sys.argv[1], sys.argv[2]
    arch = int(sys.argv[3]) if len(sys.argv) == 4 else 90
    with open(source, 'rb') as f:
        elf = bytearray(f.read())
    try:
        counts = trim(elf, arch)
    except ValueError as error:
        print(f'trim_fatbin: {source}: {error}', file=sys.stderr)
        return 1
    with open(out, 'wb') as f:
        f.write(elf)
    print(f"trim_fatbin: sm_{arch}: {counts['containers']} containers, {counts['kept']} cubins kept, "
          f"{counts['zeroed']} zeroed ({counts['zeroed_bytes'] / 1e6:.0f} MB); {counts['without_arch']} containers had none for sm_{arch}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
