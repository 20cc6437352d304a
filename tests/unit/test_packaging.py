"""Building the package installs the JupyterLab extension's npm dependencies without rewriting tracked files."""
import json
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_npm_install_of_every_build_writes_no_lockfile():
    hook = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"]["hooks"]["jupyter-builder"]
    assert hook["build-function"] == "hatch_jupyter_builder.npm_builder"
    for kwargs in ("build-kwargs", "editable-build-kwargs"):
        assert hook[kwargs]["npm"] == ["npm", "--no-save"], kwargs


def test_the_lockfile_pins_what_package_json_asks_for():
    package = json.loads((ROOT / "labextension" / "package.json").read_text())
    lock = json.loads((ROOT / "labextension" / "package-lock.json").read_text())
    root = lock["packages"][""]
    assert (lock["name"], lock["version"]) == (package["name"], package["version"])
    for kind in ("dependencies", "devDependencies"):
        assert root.get(kind, {}) == package.get(kind, {}), kind
        for name in package.get(kind, {}):
            assert f"node_modules/{name}" in lock["packages"], name
