"""Deterministic random streams and the sampling helpers every table generator shares.

Every table (and every chunk of a big table) draws from its own stream derived from (seed, labels), so
generating a subset of systems, or changing the defect rate, leaves every other byte unchanged.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, *labels: str | int) -> np.random.Generator:
    """A generator determined only by `seed` and the labels (e.g. "motcua", "ho_so", chunk index)."""
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    keys = [seed] + [zlib.crc32(label.encode()) if isinstance(label, str) else int(label) for label in labels]
    return np.random.default_rng(np.random.SeedSequence(keys))


def allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split `total` into integer parts proportional to `weights` (largest remainder; sums exactly)."""
    weights = np.asarray(weights, dtype=np.float64)
    if total == 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=np.int64)
    exact = weights / weights.sum() * total
    parts = np.floor(exact).astype(np.int64)
    short = total - int(parts.sum())
    if short:
        # Stable order so ties break the same way every run.
        order = np.argsort(-(exact - parts), kind="stable")
        parts[order[:short]] += 1
    return parts


def weighted_choice(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    """Indices drawn with probability proportional to `weights` (inverse-CDF; faster than rng.choice(p=))."""
    cdf = np.cumsum(np.asarray(weights, dtype=np.float64))
    cdf /= cdf[-1]
    return np.minimum(np.searchsorted(cdf, rng.random(size), side="right"), len(cdf) - 1)


def grouped_choice(rng: np.random.Generator, group: np.ndarray, group_weights: list[np.ndarray]) -> np.ndarray:
    """For each row pick an index into its own group's weight vector (vectorised over mixed groups).

    Group g's cumulative weights are laid out on [g, g+1) of one axis, so one searchsorted serves all groups.
    Returned indices are global: offset of the group plus the local index.
    """
    offsets = np.cumsum([0] + [len(w) for w in group_weights])
    axis = np.concatenate([g + np.cumsum(w) / np.sum(w) for g, w in enumerate(group_weights)])
    axis[offsets[1:] - 1] = np.arange(1, len(group_weights) + 1)  # exact group ends despite rounding
    picked = np.searchsorted(axis, group + rng.random(len(group)), side="right")
    return np.minimum(picked, offsets[group + 1] - 1)


def rank_within(groups: np.ndarray, order_key: np.ndarray) -> np.ndarray:
    """0-based rank of each row among the rows of its group, ordered by `order_key`."""
    order = np.lexsort((order_key, groups))
    sorted_groups = groups[order]
    starts = np.r_[0, np.flatnonzero(sorted_groups[1:] != sorted_groups[:-1]) + 1]
    run_start = np.repeat(starts, np.diff(np.r_[starts, len(groups)]))
    ranks = np.empty(len(groups), dtype=np.int64)
    ranks[order] = np.arange(len(groups)) - run_start
    return ranks


def quota_select(groups: np.ndarray, share: np.ndarray, priority: np.ndarray, carry: np.ndarray) -> np.ndarray:
    """Select exactly floor(count·share + carry) rows of every group, lowest `priority` first.

    `share` and `carry` are indexed by group; `carry` (the fractional remainder) is updated in place and
    handed to the next chunk, so the selected share over all chunks is exact to within one row per group.
    Quotas instead of coin flips keep rates such as on-time per agency-year inside their stated range
    even for small groups.
    """
    counts = np.bincount(groups, minlength=len(share))
    wanted = counts * share + carry
    taken = np.floor(wanted + 1e-9)
    carry[:] = np.maximum(wanted - taken, 0.0)
    return rank_within(groups, priority) < taken.astype(np.int64)[groups]


def pick_rows(rng: np.random.Generator, candidates: np.ndarray, count: int) -> np.ndarray:
    """`count` distinct rows out of `candidates` (sorted, so callers get a stable order)."""
    count = min(count, len(candidates))
    return np.sort(rng.choice(candidates, size=count, replace=False)) if count else np.empty(0, dtype=np.int64)
