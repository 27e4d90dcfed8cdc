"""The scorer registry: names -> :class:`~recsys_core.models.base.Scorer` classes.

Built-ins and plug-ins register the same way, through :func:`register_scorer`. A plug-in
decorates its class with it; each built-in module hands its classes to the same function
from a ``register_scorers(register)`` hook, so the built-in modules never import this one
and the registry can load them on first access without an import cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from recsys_core.errors import ShelfwiseError
from recsys_core.models.base import Scorer

S = TypeVar("S", bound="type[Scorer]")

_SCORERS: dict[str, type[Scorer]] = {}
_builtins_loaded = False


def register_scorer(name: str) -> Callable[[S], S]:
    """Class decorator adding a scorer to the registry under ``name`` (built-ins use it too).

    The built-ins are registered first, so a plug-in that reuses one of their names fails here.
    """
    _load_builtins()

    def wrap(cls: S) -> S:
        if name in _SCORERS and _SCORERS[name] is not cls:
            raise ShelfwiseError(f"a scorer named {name!r} is already registered ({_SCORERS[name].__name__})")
        cls.name = name
        _SCORERS[name] = cls
        return cls

    return wrap


def registered_scorers() -> dict[str, type[Scorer]]:
    """Every registered scorer by name (built-ins included), as a new dict."""
    _load_builtins()
    return dict(_SCORERS)


def scorer_class(name: str) -> type[Scorer]:
    """The scorer class registered under ``name``."""
    _load_builtins()
    if name not in _SCORERS:
        raise ShelfwiseError(f"unknown scorer {name!r}; registered: {', '.join(sorted(_SCORERS))}")
    return _SCORERS[name]


def create_scorer(name: str, **params: Any) -> Scorer:
    """Instantiate a registered scorer by name."""
    return scorer_class(name)(**params)


def _load_builtins() -> None:
    global _builtins_loaded
    if _builtins_loaded:
        return
    _builtins_loaded = True  # first: the hooks below call register_scorer, which comes back here
    try:
        from recsys_core.models import cf, content, priors, sequence

        for module in (cf, content, priors, sequence):
            module.register_scorers(register_scorer)
    except BaseException:
        _builtins_loaded = False
        raise
