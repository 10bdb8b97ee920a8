#!/usr/bin/env python3
"""mutate_kinds.py OBJ OUTDIR: write 13 variants of the CO-RE object OBJ, one per relocation kind.

Real objects mostly carry byte-offset relocations. Variant K rewrites records so that real access
paths against real kernels exercise kind K: field records (kinds 0-5) take field kind K; for the
type kinds (7, 8, 9, 12) every record takes kind K with access string "0" (found in the object's own
string table); enumval records swap between 10 and 11. Kind 6 and records that cannot take K keep
their kind. Only the kind and access-string fields change; libbpf's layout checks still pass."""
import struct, sys, os
obj, outdir = sys.argv[1], sys.argv[2]
data = bytearray(open(obj, 'rb').read())
# ELF64 little-endian
shoff = struct.unpack_from('<Q', data, 0x28)[0]
shentsize, shnum, shstrndx = struct.unpack_from('<HHH', data, 0x3a)
secs = []
for i in range(shnum):
    off = shoff + i * shentsize
    name, typ, flags, addr, soff, size = struct.unpack_from('<IIQQQQ', data, off)
    secs.append((name, soff, size))
stro = secs[shstrndx][1]
def nm(n):
    e = data.index(b'\0', stro + n); return data[stro + n:e].decode()
S = {nm(n): (o, s) for n, o, s in secs}
bo, bs = S['.BTF']; eo, es = S['.BTF.ext']
hdr_len, type_off, type_len, str_off, str_len = struct.unpack_from('<IIIII', data, bo + 4)
strbase = bo + hdr_len + str_off
strs = bytes(data[strbase:strbase + str_len])
zero = strs.find(b'\x000\x00')
zero_off = zero + 1 if zero >= 0 else None
ehl = struct.unpack_from('<I', data, eo + 4)[0]
cro, crl = struct.unpack_from('<II', data, eo + 24)
p = eo + ehl + cro; end = p + crl
rec = struct.unpack_from('<I', data, p)[0]; p += 4
recs = []
while p < end:
    _, n = struct.unpack_from('<II', data, p); p += 8
    for i in range(n):
        recs.append(p + i * rec)
    p += n * rec
base = os.path.splitext(os.path.basename(obj))[0]
for kind in range(0, 13):
    d = bytearray(data)
    for r in recs:
        k = struct.unpack_from('<I', d, r + 12)[0]
        if kind <= 5 and k <= 5:
            struct.pack_into('<I', d, r + 12, kind)
        elif kind in (7, 8, 9, 12) and zero_off is not None:
            struct.pack_into('<I', d, r + 12, kind)
            struct.pack_into('<I', d, r + 8, zero_off)
        elif kind in (10, 11) and k in (10, 11):
            struct.pack_into('<I', d, r + 12, kind)
    open(os.path.join(outdir, f'{base}.k{kind}.o'), 'wb').write(d)
