"""Run code written for Kolena unchanged: ``import kolena`` and every ``kolena.*`` module resolve to ``kolena_lab``.

``alias_kolena()`` installs the alias in this process (a context manager that undoes it on exit); ``run_kolena()``
runs a script or module as ``__main__`` under the alias, as ``kolena-lab run-kolena`` does.
"""
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import runpy
import sys
import types
from typing import Any, Dict, List, Optional, Sequence

__all__ = ["KolenaAlias", "alias_kolena", "initialize", "run_kolena"]

_ROOT = "kolena"
_TARGET = "kolena_lab"


def initialize(*args: Any, api_token: Optional[str] = None, verbose: bool = True,
               proxies: Optional[Dict[str, str]] = None, **kwargs: Any) -> None:
    """Kolena's login, accepted with Kolena's arguments and ignored: kolena_lab needs no token (its store is
    ``$KOLENA_LAB_URL`` or ``kolena_lab.initialize(url=...)``)."""
    if verbose:
        print("kolena.initialize(): ignored, kolena_lab runs locally and needs no API token "
              "(store: $KOLENA_LAB_URL or kolena_lab.initialize(url=...))", file=sys.stderr)


def _is_kolena(name: str) -> bool:
    return name == _ROOT or name.startswith(_ROOT + ".")


def _root_module() -> types.ModuleType:
    """A ``kolena`` package whose ``initialize`` takes Kolena's arguments and whose other names are kolena_lab's."""
    target = importlib.import_module(_TARGET)
    root = types.ModuleType(_ROOT, "Kolena's top-level package, served by kolena_lab.")

    def __getattr__(name: str) -> Any:
        try:
            return getattr(target, name)
        except AttributeError:
            raise AttributeError(f"module '{_ROOT}' has no attribute '{name}' "
                                 f"(kolena_lab provides no '{_TARGET}.{name}')") from None

    def __dir__() -> List[str]:
        return sorted(set(dir(target)) | {"initialize"})

    root.__getattr__ = __getattr__  # type: ignore[method-assign]
    root.__dir__ = __dir__  # type: ignore[method-assign]
    root.initialize = initialize  # type: ignore[attr-defined]
    return root


class _AliasLoader(importlib.abc.Loader):
    """Loads ``kolena`` as the root shim and ``kolena.X`` as the very module object ``kolena_lab.X``."""

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        if spec.name == _ROOT:
            return _root_module()
        module = importlib.import_module(_TARGET + spec.name[len(_ROOT):])
        spec.loader_state = module.__spec__
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        """Give an aliased kolena_lab module back its own spec (the import system has just set the alias's)."""
        if module.__spec__ is not None and module.__spec__.loader_state is not None:
            module.__spec__ = module.__spec__.loader_state


class _AliasFinder(importlib.abc.MetaPathFinder):
    """Finds ``kolena`` and ``kolena.*`` ahead of any installed Kolena; a name kolena_lab lacks is an ImportError."""

    _loader = _AliasLoader()

    def find_spec(self, fullname: str, path: Optional[Sequence[str]] = None,
                  target: Optional[types.ModuleType] = None) -> Optional[importlib.machinery.ModuleSpec]:
        if not _is_kolena(fullname):
            return None
        if fullname == _ROOT:
            return importlib.machinery.ModuleSpec(_ROOT, self._loader, is_package=True)
        name = _TARGET + fullname[len(_ROOT):]
        try:
            found = importlib.util.find_spec(name)
        except ModuleNotFoundError:
            found = None
        if found is None:
            raise ImportError(f"kolena_lab does not provide '{fullname}' (there is no module '{name}')",
                              name=fullname)
        return importlib.machinery.ModuleSpec(fullname, self._loader,
                                              is_package=found.submodule_search_locations is not None)


class KolenaAlias:
    """The alias installed in this process; ``remove()`` (or leaving its ``with`` block) restores ``sys.modules``
    and ``sys.meta_path`` as they were, including any real Kolena modules it hid."""

    def __init__(self) -> None:
        self._hidden = {name: sys.modules.pop(name) for name in list(sys.modules) if _is_kolena(name)}
        self._finder = _AliasFinder()
        sys.meta_path.insert(0, self._finder)

    def remove(self) -> None:
        if self._finder not in sys.meta_path:
            return
        sys.meta_path.remove(self._finder)
        for name in [name for name in sys.modules if _is_kolena(name)]:
            del sys.modules[name]
        sys.modules.update(self._hidden)

    def __enter__(self) -> "KolenaAlias":
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def alias_kolena() -> KolenaAlias:
    """Make ``import kolena`` / ``kolena.X`` give kolena_lab / ``kolena_lab.X`` from now on (also over an installed
    Kolena); use as a context manager, or call ``.remove()``, to undo it."""
    return KolenaAlias()


def run_kolena(target: str, args: Sequence[str] = (), module: bool = False) -> None:
    """Run a script path (or, with ``module``, a module name) as ``__main__`` with ``sys.argv`` = [target, *args],
    under the alias; ``sys.argv``, ``sys.path`` and ``sys.modules``' kolena names are restored afterwards."""
    saved_argv, saved_path = sys.argv[:], sys.path[:]
    sys.path.insert(0, os.getcwd() if module else os.path.dirname(os.path.abspath(target)))
    sys.argv = [target, *args]
    try:
        with alias_kolena():
            if module:
                runpy.run_module(target, run_name="__main__", alter_sys=True)
            else:
                runpy.run_path(target, run_name="__main__")
    finally:
        sys.argv, sys.path[:] = saved_argv, saved_path
