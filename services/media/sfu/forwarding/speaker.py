"""The active speaker of a room, from the audio level each publisher's microphone reports in its
packets (RFC 6464): every interval the loudest source with enough speech packets is the candidate;
it becomes the speaker once it stays the candidate `hold` intervals in a row (a debounce, so a cough
does not move the grid). Silence keeps the last speaker."""

from __future__ import annotations

from collections.abc import Hashable

# Speech packets an interval needs to count (Opus sends 50 packets a second: 0.3 s ≈ 15).
MIN_VOICED = 5


class SpeakerDetector:
    def __init__(self, hold: int = 2) -> None:
        self._hold = hold
        self.speaker: Hashable | None = None
        self._candidate: Hashable | None = None
        self._streak = 0

    def observe(self, levels: dict[Hashable, tuple[int, int]]) -> Hashable | None:
        """One interval's (loudness, speech packets) per source; returns the new speaker when it
        changes, else None."""
        loudest = None
        best = 0
        for key, (loudness, voiced) in levels.items():
            if voiced >= MIN_VOICED and loudness > best:
                loudest, best = key, loudness
        if loudest is None:
            self._candidate, self._streak = None, 0
            return None
        if loudest == self._candidate:
            self._streak += 1
        else:
            self._candidate, self._streak = loudest, 1
        if self._streak >= self._hold and loudest != self.speaker:
            self.speaker = loudest
            return loudest
        return None

    def forget(self, key: Hashable) -> None:
        if self.speaker == key:
            self.speaker = None
        if self._candidate == key:
            self._candidate, self._streak = None, 0
