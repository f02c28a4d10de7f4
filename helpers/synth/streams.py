"""Named random streams: every draw of the generator comes from a stream of its own.

A stream is identified by the seed and a dotted name, `component.quantity[.part]`
(`"employment.job_at_entry.started"`); its numbers depend on nothing else. So a component
that draws one more quantity, or draws an existing quantity for more persons, moves no
other draw, and a change of one parameter moves only the outcomes it governs (common
random numbers, which is what lets the calibration converge). Each name may be drawn once
per generated extract: drawing a name twice raises, so two quantities cannot share numbers
by accident.
"""
from __future__ import annotations

import hashlib

import numpy as np


class Streams:
    """The named random streams of one generated extract (seed), seen from one component
    (`prefix`, e.g. "employment."); `scoped` gives a component its own view."""

    def __init__(self, seed: int, prefix: str = "", _drawn: set[str] | None = None):
        self.seed = int(seed)
        if self.seed < 0:
            raise ValueError(f"the seed must be a non-negative integer, not {seed}")
        self.prefix = prefix
        self._drawn = set() if _drawn is None else _drawn

    def scoped(self, name: str) -> Streams:
        """The streams of a component or a part of one: names are prefixed by `name.`."""
        return Streams(self.seed, f"{self.prefix}{name}.", self._drawn)

    @property
    def drawn(self) -> list[str]:
        """Full names of the streams drawn so far (by every view of this extract)."""
        return sorted(self._drawn)

    def generator(self, name: str) -> np.random.Generator:
        """The generator of stream `name` (under this view's prefix); once per name."""
        full = self.prefix + name
        if full in self._drawn:
            raise ValueError(f"random stream drawn twice: {full!r} (give each quantity its own name)")
        self._drawn.add(full)
        digest = hashlib.blake2b(full.encode("utf-8"), digest_size=16).digest()
        words = np.frombuffer(digest, dtype=np.uint32).tolist()
        return np.random.default_rng(np.random.SeedSequence([self.seed, *words]))

    def uniform(self, name: str, n: int) -> np.ndarray:
        """n uniforms in (0, 1] (never 0, so logarithms are finite); the first k of them do
        not depend on n."""
        return 1.0 - self.generator(name).random(int(n))

    def integers(self, name: str, low: int, high: int, n: int) -> np.ndarray:
        """n integers in low..high (inclusive), as int32."""
        return self.generator(name).integers(low, high + 1, size=int(n)).astype(np.int32)

    def permutation(self, name: str, n: int) -> np.ndarray:
        """A random permutation of 0..n-1, as int32 (int64 beyond int32's range)."""
        order = self.generator(name).permutation(int(n))
        return order.astype(np.int32) if n < 2 ** 31 else order
