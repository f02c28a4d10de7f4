"""Small distribution helpers: each turns uniforms in (0, 1] (from helpers.synth.streams)
into draws by inversion, so one uniform per person gives one draw per person."""
from __future__ import annotations

import numpy as np


def geometric0(uniform: np.ndarray, mean) -> np.ndarray:
    """Geometric on 0, 1, 2, ... with the given mean (int32), by inversion."""
    mean = np.maximum(np.asarray(mean, dtype=float), 1e-9)
    p_at_least_one = mean / (1.0 + mean)
    return np.floor(np.log(uniform) / np.log(p_at_least_one)).astype(np.int32)


def geometric1(uniform: np.ndarray, mean) -> np.ndarray:
    """1 + geometric, with the given mean (>= 1): a number of months that is at least one."""
    return 1 + geometric0(uniform, np.maximum(np.asarray(mean, dtype=float) - 1.0, 1e-9))


def logit(p):
    """log(p / (1 - p)), with p kept inside (0, 1)."""
    p = np.clip(np.asarray(p, dtype=float), 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


def expit(x):
    """The inverse of `logit`."""
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def categorical(uniform: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """Category index (int8) per row, by the inverse CDF: `probabilities` is (n, k), one
    row per person (rows need not be normalised), or (k,) for everyone."""
    probabilities = np.asarray(probabilities, dtype=float)
    k = probabilities.shape[-1]
    if probabilities.ndim == 1:
        cumulative = np.cumsum(probabilities) / probabilities.sum()
        index = np.searchsorted(cumulative, uniform, side="left")
    else:
        cumulative = np.cumsum(probabilities, axis=1)
        cumulative /= cumulative[:, -1:]
        index = np.zeros(len(uniform), dtype=np.int8)
        for column in range(k - 1):  # k is small: one pass per category boundary
            index += uniform > cumulative[:, column]
    return np.minimum(index, k - 1).astype(np.int8)


def choose_index(uniform: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Index of a cell drawn with probability proportional to `weights` (1-d), per uniform."""
    cumulative = np.cumsum(weights)
    index = np.searchsorted(cumulative / cumulative[-1], uniform, side="left")
    return np.minimum(index, len(weights) - 1).astype(np.int32)


def whole(uniform: np.ndarray, k) -> np.ndarray:
    """A uniform integer in 0..k-1 (int32; k scalar or per row, k >= 1)."""
    k = np.asarray(k)
    return np.minimum((uniform * k).astype(np.int32), k - 1).astype(np.int32)
