"""What the kept summaries and snapshots are checked with: a rebuild from the ledger, compared key by key."""

from __future__ import annotations

from collections.abc import Hashable, Mapping


def differences(kept: Mapping[Hashable, int], rebuilt: Mapping[Hashable, int]) -> list[tuple[Hashable, int, int]]:
    """The keys whose kept figure differs from the rebuilt one, a key missing on one side counting as 0:
    (key, kept, rebuilt), unordered."""
    return [
        (key, kept.get(key, 0), rebuilt.get(key, 0))
        for key in kept.keys() | rebuilt.keys()
        if kept.get(key, 0) != rebuilt.get(key, 0)
    ]
