"""What a fast module derives from a graph once: kept while the graph lives (weakly, so that a
dropped graph frees it) and made once even when request threads ask for it at the same time."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

from engine.graph import Graph

P = TypeVar("P")


class PerGraph(Generic[P]):
    """`plan = per_graph(graph)`: make(graph) the first time, the same object afterwards."""

    def __init__(self, make: Callable[[Graph], P]) -> None:
        self.make = make
        self.plans: weakref.WeakKeyDictionary[Graph, P] = weakref.WeakKeyDictionary()
        self.lock = threading.Lock()

    def __call__(self, graph: Graph) -> P:
        plan = self.plans.get(graph)
        if plan is None:
            with self.lock:
                plan = self.plans.get(graph)
                if plan is None:
                    plan = self.plans[graph] = self.make(graph)
        return plan
