#!/usr/bin/env python3
"""Regenerate the safetensors checkpoint fixture in tests/data/checkpoint/.

python_written.safetensors is written by Hugging Face's `safetensors`
library (safetensors.numpy.save_file), not by tensorgraph, so the tests
check that a checkpoint from Python restores into a session. It holds one
tensor of every dtype tensorgraph saves, a scalar and a zero-size tensor,
and metadata without tensorgraph's crc32 (a file from elsewhere has none).
tests/runtime/checkpoint_test.cc builds the matching graph and checks these
exact values; change both together.

Needs `pip install safetensors numpy`; neither the build nor the tests do.
Rerun with:

    python3 tests/data/checkpoint/generate.py
"""
import os

import numpy as np
from safetensors.numpy import load_file, save_file

HERE = os.path.dirname(os.path.abspath(__file__))


def tensors():
    return {
        "dense/kernel": np.array([[0.5, -1.25, 2.0], [3.5, -0.0, 1e-3]], dtype=np.float32),
        "dense/bias": np.array([0.1, -0.2, 1e300], dtype=np.float64),
        "counts": np.array([[-2147483648, 0], [7, 2147483647]], dtype=np.int32),
        "step": np.array(-9000000000, dtype=np.int64),
        "pixels": np.array([0, 128, 255], dtype=np.uint8),
        "mask": np.array([True, False, False, True], dtype=np.bool_),
        "empty": np.zeros((0, 2), dtype=np.float32),
    }


def main():
    path = os.path.join(HERE, "python_written.safetensors")
    expected = tensors()
    save_file(expected, path, metadata={"written_by": "safetensors.numpy"})
    back = load_file(path)
    assert sorted(back) == sorted(expected)
    for name, value in expected.items():
        assert back[name].dtype == value.dtype and back[name].shape == value.shape, name
        assert np.array_equal(back[name], value), name
    print("wrote", path)


if __name__ == "__main__":
    main()
