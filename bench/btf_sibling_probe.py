#!/usr/bin/env python3
"""bench/btf_sibling_probe.py: how much of a kernel's BTF a type-level delta against a sibling could predict.

    bench/btf_sibling_probe.py BASE.btf KERNEL.btf [KERNEL.btf ...]     (raw BTF, e.g. `tar -xOJf X.btf.tar.xz`)

The kernel cache stores a kernel against the first kernel of its directory with zstd's long-distance
matching, at ~35-40 ms of CPU a kernel (BENCHMARKS.md). A cheaper delta would have to work on types,
not bytes: kernel builds of one release shift type ids and string offsets, so few byte runs match.
This measures the ceiling of such a delta, per kernel: the share of its types whose shape (kind,
name, size, member names and offsets, enum values; ids left out) occurs in the base, the share whose
match is the base type after the previous type's match (a copy in order), and the share "fully
predicted": shape found and every type id it refers to maps to the id the base type refers to, so it
would cost no bytes. What is not predicted must still be compressed.
"""
import collections
import struct
import sys

REF_KINDS = {2, 8, 9, 10, 11, 12, 18}  # PTR TYPEDEF VOLATILE CONST RESTRICT FUNC TYPE_TAG: size_type is a type id


def parse(path):
    data = open(path, 'rb').read()
    _magic, _version, _flags, hdr_len, type_off, type_len, str_off, str_len = struct.unpack('<HBBIIIII', data[:24])
    types_bytes = data[hdr_len + type_off:hdr_len + type_off + type_len]
    strings = data[hdr_len + str_off:hdr_len + str_off + str_len]

    def name(offset):
        return strings[offset:strings.index(b'\0', offset)]

    types = [None]
    p = 0
    while p < len(types_bytes):
        name_off, info, size_type = struct.unpack_from('<III', types_bytes, p)
        p += 12
        kind, vlen, kflag = (info >> 24) & 0x1f, info & 0xffff, info >> 31
        shape, refs = [kind, kflag, vlen, name(name_off)], []
        if kind in REF_KINDS or kind == 13 or kind == 14:
            refs.append(size_type)
        elif kind != 7:  # FWD: size_type unused
            shape.append(size_type)
        if kind in (1, 17):  # INT encoding, DECL_TAG component index
            shape.append(struct.unpack_from('<I', types_bytes, p)[0])
            p += 4
        elif kind == 3:  # ARRAY: elem type, index type, nelems
            elem, index, count = struct.unpack_from('<III', types_bytes, p)
            p += 12
            refs += [elem, index]
            shape.append(count)
        elif kind in (4, 5):  # STRUCT, UNION
            for _ in range(vlen):
                member, member_type, offset = struct.unpack_from('<III', types_bytes, p)
                p += 12
                shape += [name(member), offset]
                refs.append(member_type)
        elif kind == 6:  # ENUM
            for _ in range(vlen):
                member, value = struct.unpack_from('<Ii', types_bytes, p)
                p += 8
                shape += [name(member), value]
        elif kind == 13:  # FUNC_PROTO
            for _ in range(vlen):
                param, param_type = struct.unpack_from('<II', types_bytes, p)
                p += 8
                shape.append(name(param))
                refs.append(param_type)
        elif kind == 14:  # VAR linkage
            shape.append(struct.unpack_from('<I', types_bytes, p)[0])
            p += 4
        elif kind == 15:  # DATASEC
            for _ in range(vlen):
                var, offset, size = struct.unpack_from('<III', types_bytes, p)
                p += 12
                shape += [offset, size]
                refs.append(var)
        elif kind == 19:  # ENUM64
            for _ in range(vlen):
                member, lo, hi = struct.unpack_from('<IIi', types_bytes, p)
                p += 12
                shape += [name(member), lo, hi]
        types.append((tuple(shape), refs))
    return types


def probe(base, kernel):
    by_shape = collections.defaultdict(list)
    for i, (shape, _) in enumerate(base[1:], 1):
        by_shape[shape].append(i)
    mapped, previous, found, in_order = {0: 0}, 0, 0, 0
    for i, (shape, _) in enumerate(kernel[1:], 1):
        candidates = by_shape.get(shape)
        if not candidates:
            continue
        found += 1
        mapped[i] = previous + 1 if previous + 1 in candidates else candidates[0]
        in_order += mapped[i] == previous + 1
        previous = mapped[i]
    predicted = 0
    for i, (_, refs) in enumerate(kernel[1:], 1):
        if i in mapped:
            base_refs = base[mapped[i]][1]
            predicted += len(refs) == len(base_refs) and all(mapped.get(r) == b for r, b in zip(refs, base_refs))
    n = len(kernel) - 1
    return n, found / n, in_order / n, predicted / n


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__.split('\n\n')[1])
    base = parse(sys.argv[1])
    print('| kernel | types | shape in the base | in order | fully predicted |')
    print('|---|---|---|---|---|')
    for path in sys.argv[2:]:
        n, found, in_order, predicted = probe(base, parse(path))
        print(f'| {path.rsplit("/", 1)[-1]} | {n} | {found:.3f} | {in_order:.3f} | {predicted:.3f} |')


if __name__ == '__main__':
    main()
