"""Sentence vectors as stored: unit vectors quantized to int8, and cosines against them."""
from __future__ import annotations

import numpy as np

DIMENSIONS = 512
SCALE = 127.0
BLOCK_ROWS = 16_384


def quantize(vectors: np.ndarray) -> np.ndarray:
    """Unit vectors as int8 (a quarter of float32's size; cosine error about 0.01)."""
    return np.clip(np.rint(vectors * SCALE), -127, 127).astype(np.int8)


def cosines(query: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Approximate cosine of one unit float vector with int8 rows, a block at a time (numpy would
    otherwise convert the whole memory-mapped matrix to float32 at once)."""
    scaled = (query * SCALE).astype(np.float32)
    out = np.empty(len(vectors), dtype=np.float32)
    for start in range(0, len(vectors), BLOCK_ROWS):
        out[start : start + BLOCK_ROWS] = vectors[start : start + BLOCK_ROWS].astype(np.float32) @ scaled
    return out / (SCALE * SCALE)
