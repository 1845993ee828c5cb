from __future__ import annotations

from registry.lru import LRUCache


def test_evicts_the_least_recently_used() -> None:
    cache: LRUCache[str, int] = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # a is now the most recent
    cache.put("c", 3)
    assert cache.get("b") is None and cache.get("a") == 1 and cache.get("c") == 3
    assert len(cache) == 2


def test_get_or_make_makes_once_per_key_until_cleared() -> None:
    cache: LRUCache[str, list[int]] = LRUCache(4)
    calls: list[str] = []

    def make() -> list[int]:
        calls.append("made")
        return [len(calls)]

    first = cache.get_or_make("k", make)
    assert cache.get_or_make("k", make) is first and calls == ["made"]
    cache.clear()
    assert cache.get_or_make("k", make) == [2] and calls == ["made", "made"]
