"""Deferred imports: ``import vcereg`` pays only for what a program uses.

Three mechanisms, all declared at module level with string constants, so that
``tests/test_architecture.py`` reads them as imports (layering, the formulaic rule, and
no import cycle hidden behind a deferred edge):

* ``name = lazy_import("scipy.stats")``: a stand-in that imports the module at its first
  attribute access. For the package's own modules, bind the real module under
  ``TYPE_CHECKING`` so that the type checker sees it::

      if TYPE_CHECKING:
          from ..estimators import ivdiag
      else:
          ivdiag = lazy_import("vcereg.estimators.ivdiag")

* ``__getattr__, __dir__ = attach(__name__, {...})`` in a package's ``__init__``: PEP 562,
  a public name is imported from its module when first asked for.
* ``register_plugins(group, *modules)`` (by a higher layer) and ``load_plugins(group)`` (by
  the lower layer that needs them): modules that register something when imported, loaded
  before the registry is first read (the do-file commands; cf. entry points).
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

__all__ = ["LazyModule", "attach", "lazy_import", "load_plugins", "register_plugins"]


class LazyModule:
    """A module imported at its first attribute access (then every access forwards)."""

    __slots__ = ("_lazy_module", "_lazy_name")

    def __init__(self, name: str) -> None:
        self._lazy_name = name
        self._lazy_module: ModuleType | None = None

    def _load(self) -> ModuleType:
        module = self._lazy_module
        if module is None:
            module = importlib.import_module(self._lazy_name)  # thread-safe, idempotent
            self._lazy_module = module
        return module

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._load(), attr)

    def __repr__(self) -> str:
        state = "loaded" if self._lazy_module is not None else "not loaded yet"
        return f"<lazy module {self._lazy_name!r} ({state})>"


def lazy_import(name: str) -> Any:
    """A stand-in for module ``name`` (absolute), imported at its first use."""
    module = sys.modules.get(name)
    return module if module is not None else LazyModule(name)


def attach(
    package: str, names: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """PEP 562 ``__getattr__`` and ``__dir__`` for ``package``.

    ``names`` maps each deferred public name to ``"module"`` (a submodule, imported as
    such) or ``"module:attribute"``. The value is cached in the package on first use.
    """

    def __getattr__(name: str) -> Any:
        target = names.get(name)
        if target is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module_name, _, attribute = target.partition(":")
        module = importlib.import_module(module_name)
        value = getattr(module, attribute) if attribute else module
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(names))

    return __getattr__, __dir__


_PLUGINS: dict[str, tuple[str, ...]] = {}
_LOADED: set[str] = set()
_PLUGIN_LOCK = threading.RLock()


def register_plugins(group: str, *modules: str) -> None:
    """Declare ``modules`` (absolute names) as the providers of ``group``."""
    with _PLUGIN_LOCK:
        _PLUGINS[group] = (*_PLUGINS.get(group, ()), *modules)
        _LOADED.discard(group)


def load_plugins(group: str) -> None:
    """Import the providers of ``group`` (once; a no-op while they are being imported)."""
    if group in _LOADED:
        return
    with _PLUGIN_LOCK:
        if group in _LOADED:
            return
        _LOADED.add(group)  # first, so that a provider reading the registry does not recurse
        try:
            for module in _PLUGINS.get(group, ()):
                importlib.import_module(module)
        except BaseException:
            _LOADED.discard(group)
            raise
