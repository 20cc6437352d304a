"""kolena_lab.media sits below kolena_lab.workflow: it imports nothing from the layers above it, nor the store."""
import ast
from pathlib import Path
from typing import Iterator

import kolena_lab.media

_FORBIDDEN = ("kolena_lab.workflow", "kolena_lab.evaluators", "kolena_lab.automation", "kolena_lab.ui",
              "kolena_lab.jupyter", "kolena_lab.cli", "kolena_lab.store")
_PACKAGE = Path(kolena_lab.media.__file__).parent


def _imported(path: Path) -> Iterator[str]:
    """Every module ``path`` imports, at any depth of its code, relative imports resolved."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = "kolena_lab.media".rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module or "") if part)
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)


def test_no_media_module_imports_workflow_or_a_layer_above() -> None:
    modules = sorted(_PACKAGE.rglob("*.py"))
    assert len(modules) >= 8
    offending = [(path.name, name) for path in modules for name in _imported(path)
                 if name.startswith(_FORBIDDEN)]
    assert offending == []
