"""Rendered HTML fragments, kept while everything they depend on is unchanged.

The key must name every input of the fragment (for search results: the listing generation,
the query string, the compare basket, htmx or not); the value is the HTML. A small LRU per
application, so tests with their own databases never share entries.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable


class FragmentCache:
    def __init__(self, size: int = 1024) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._items: OrderedDict[Hashable, str] = OrderedDict()

    def get_or_render(self, key: Hashable, render: Callable[[], str]) -> str:
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        html = render()
        with self._lock:
            self._items[key] = html
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return html
