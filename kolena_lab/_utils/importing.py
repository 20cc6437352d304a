"""Importing a module from a directory: shared with the process (evaluator entrypoints), or kept apart under a
namespace of its own (model packages, so that two packages' ``inference`` modules do not collide)."""
import hashlib
import importlib
import os
import sys
import types
from typing import Optional

NAMESPACE_PREFIX = "_kolena_lab_dir_"


def directory_namespace(directory: str) -> str:
    """The module namespace a directory's modules are imported under when kept apart: one per absolute path."""
    digest = hashlib.sha1(os.path.abspath(directory).encode("utf-8")).hexdigest()[:16]
    return NAMESPACE_PREFIX + digest


def import_from_directory(module: str, directory: Optional[str] = None, *, isolated: bool = False,
                          fresh: bool = True) -> types.ModuleType:
    """Import ``module`` (dotted names allowed) from ``directory``; whatever the import raises propagates.

    Shared (the default): ``directory`` goes first on ``sys.path`` (and stays there) and the module is imported under
    its own name. Isolated: the module is imported as ``<namespace>.<module>``, the namespace being a package whose
    path is ``directory`` (see ``directory_namespace``), afresh unless ``fresh`` is False (the directory's modules
    imported before are forgotten first); ``directory`` is on ``sys.path`` only while importing, so the module's
    absolute imports of its sibling modules still work (those siblings are shared by name).
    """
    if not isolated:
        if directory and directory not in sys.path:
            sys.path.insert(0, directory)
        return importlib.import_module(module)
    if not directory:
        raise ValueError("an isolated import needs a directory")
    directory = os.path.abspath(directory)
    namespace = directory_namespace(directory)
    if fresh:
        for name in [n for n in sys.modules if n.startswith(namespace + ".")]:
            del sys.modules[name]
    if namespace not in sys.modules:
        package = types.ModuleType(namespace, f"modules imported from {directory}")
        package.__path__ = [directory]
        sys.modules[namespace] = package
    added = directory not in sys.path
    if added:
        sys.path.insert(0, directory)
    try:
        return importlib.import_module(f"{namespace}.{module}")
    finally:
        if added and directory in sys.path:
            sys.path.remove(directory)


__all__ = ["directory_namespace", "import_from_directory"]
