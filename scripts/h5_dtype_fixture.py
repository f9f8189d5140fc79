"""Writes test/fixtures/h5_dtypes.h5: datasets and attributes in dtypes that h5wasm cannot
write (float16, h5py booleans, Keras's bfloat16 tagging, big-endian, compound, strings), for
the tests of src/io/h5.ts. Run from the repository root: /usr/bin/python3 scripts/h5_dtype_fixture.py
"""

import h5py
import numpy as np

with h5py.File("test/fixtures/h5_dtypes.h5", "w", track_order=False) as f:
    f.create_dataset("f16", data=np.array([[1.0, -2.0], [0.5, 65504.0]], dtype=np.float16),
                     track_times=False)
    f.create_dataset("f64", data=np.array([1.0 / 3.0, 1e-300, -2.5]), track_times=False)
    f.create_dataset("f32be", data=np.array([1.5, -2.25], dtype=">f4"), track_times=False)
    f.create_dataset("i64", data=np.array([-3, 2**31 - 1], dtype=np.int64), track_times=False)
    f.create_dataset("i64big", data=np.array([2**40], dtype=np.int64), track_times=False)
    f.create_dataset("u16", data=np.array([0, 65535], dtype=np.uint16), track_times=False)
    f.create_dataset("bools", data=np.array([True, False, True]), track_times=False)
    # Keras writes bfloat16 variables as 2-byte values with attribute dtype="bfloat16"
    # (bits of 1.0, -2.0, 0.15625).
    bf = f.create_dataset("bf16", data=np.array([0x3F80, 0xC000, 0x3E20], dtype=np.uint16),
                          track_times=False)
    bf.attrs["dtype"] = "bfloat16"
    f.create_dataset("scalar", data=np.float32(7.0), track_times=False)
    f.create_dataset("empty", data=np.zeros((0, 3), dtype=np.float32), track_times=False)
    f.create_dataset("strings", data=np.array([b"a", b"bc"], dtype=object),
                     dtype=h5py.string_dtype(), track_times=False)
    cmp = np.zeros(2, dtype=[("a", "<i4"), ("b", "<f8")])
    f.create_dataset("compound", data=cmp, track_times=False)
    g = f.create_group("attrs")
    g.attrs["vlen_str"] = "héllo"
    g.attrs["fixed_bytes"] = np.array([b"conv1", b"pool1"], dtype="S6")
    g.attrs["str_list"] = ["x", "yz"]
    g.attrs["int"] = np.int64(-5)
    g.attrs["big"] = np.int64(2**60)
    g.attrs["float"] = 0.25
    g.attrs["f16"] = np.float16(1.5)
    g.attrs["bool"] = True
    g.attrs["empty"] = np.array([], dtype=np.float64)
    g.attrs["compound"] = cmp
print("wrote test/fixtures/h5_dtypes.h5")
