"""Execute notebooks headless with nbclient; write executed copies and HTML exports to an output folder.

Usage: python scripts/run_notebooks.py NOTEBOOK_DIR OUTPUT_DIR [--only NAME ...] [--timeout SECONDS]
Exits non-zero if any notebook raises.
"""
import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from kolena_lab.ui import export_html


def run(notebook: Path, out_dir: Path, timeout: int) -> bool:
    nb = nbformat.read(notebook, as_version=4)
    started = time.perf_counter()
    ok = True
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(notebook.parent)}}).execute()
    except CellExecutionError as e:
        ok = False
        print(f"FAILED {notebook.name}:\n{e}", file=sys.stderr)
    out_dir.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out_dir / notebook.name)
    export_html(nb, out_dir / notebook.with_suffix(".html").name)
    print(f"{'ok' if ok else 'FAILED'}  {notebook.name}  {time.perf_counter() - started:.1f} s -> {out_dir}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--only", nargs="*", default=None, help="notebook file names to run")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    args = parser.parse_args()
    notebooks = sorted(p for p in args.notebooks.glob("*.ipynb") if args.only is None or p.name in args.only)
    if not notebooks:
        print(f"no notebooks found in {args.notebooks}", file=sys.stderr)
        return 1
    results = [run(nb, args.output, args.timeout) for nb in notebooks]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
