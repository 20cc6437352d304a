"""Real-browser fixtures: throwaway JupyterLab and Jupyter Notebook 7 servers driven by Debian's Chromium via Playwright.

Fixtures
    jupyter_lab  (session)  the running JupyterLab server: ``url``, ``token``, ``root_dir``
    jupyter_notebook (session) the same for Jupyter Notebook 7 (its own root dir)
    browser      (session)  Chromium launched from ``/usr/bin/chromium``
    page         (function) a fresh browser context and page
    lab_page     (function) ``page`` plus JupyterLab helpers (open a notebook, run all cells, screenshot)
    notebook_page (function) the same helpers on Jupyter Notebook 7

Tests marked ``ui`` are skipped when ``/usr/bin/chromium`` is missing.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List, Optional

import pytest
from playwright.sync_api import Browser, Locator, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS_DIR = Path(__file__).resolve().parents[2] / "test-artifacts"
SCREEN_SIZES = {"1440x900": {"width": 1440, "height": 900}, "1024x768": {"width": 1024, "height": 768}}
STARTUP_TIMEOUT_S = 90
NOTEBOOK_TIMEOUT_MS = 120_000


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} not found (install Debian's package: apt-get install -y chromium)")
    for item in items:
        if item.get_closest_marker("ui"):
            item.add_marker(skip)


@dataclass(frozen=True)
class JupyterLabServer:
    url: str  # base URL with a trailing slash, e.g. http://127.0.0.1:8888/
    token: str
    root_dir: Path
    notebook7: bool = False

    def lab_url(self, path: str = "") -> str:
        """URL of the UI (JupyterLab on a reset, empty workspace; or Notebook 7), opening ``path`` (relative to
        ``root_dir``) when given."""
        if self.notebook7:
            return f"{self.url}{f'notebooks/{urllib.parse.quote(path)}' if path else 'tree'}?token={self.token}"
        route = f"lab/tree/{urllib.parse.quote(path)}" if path else "lab"
        return f"{self.url}{route}?reset&token={self.token}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(proc: subprocess.Popen, status_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {proc.returncode}:\n{log_path.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(status_url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"JupyterLab not answering after {STARTUP_TIMEOUT_S}s:\n{log_path.read_text()[-4000:]}")


def _serve(tmp_path_factory: pytest.TempPathFactory, notebook7: bool) -> Iterator[JupyterLabServer]:
    """A JupyterLab (or Notebook 7) server with isolated config, runtime, settings, workspaces and IPython dirs.

    Data dirs below sys.prefix (``<venv>/share/jupyter``) stay on the search path, so the
    labextensions and kernels installed in the venv, kolena-lab included, are used.
    """
    base = tmp_path_factory.mktemp("jupyter-notebook" if notebook7 else "jupyter-lab")
    root_dir = base / "root"
    settings_dir = base / "settings"
    notification = settings_dir / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notification.parent.mkdir(parents=True)
    notification.write_text(json.dumps({"fetchNews": "false"}))
    root_dir.mkdir()

    env = dict(os.environ)
    env.update(
        JUPYTER_CONFIG_DIR=str(base / "config"),
        JUPYTER_DATA_DIR=str(base / "data"),
        JUPYTER_RUNTIME_DIR=str(base / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(settings_dir),
        JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"),
        IPYTHONDIR=str(base / "ipython"),
    )
    port = _free_port()
    token = secrets.token_hex(16)
    cmd = [
        sys.executable,
        "-m",
        "notebook" if notebook7 else "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root_dir}",
        f"--{'JupyterNotebookApp' if notebook7 else 'LabApp'}.expose_app_in_browser=True",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")

    url = f"http://127.0.0.1:{port}/"
    log_path = base / "jupyter-lab.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root_dir)
        try:
            _wait_until_up(proc, f"{url}api/status?token={token}", log_path)
            yield JupyterLabServer(url=url, token=token, root_dir=root_dir, notebook7=notebook7)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="session")
def jupyter_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterLabServer]:
    yield from _serve(tmp_path_factory, notebook7=False)


@pytest.fixture(scope="session")
def jupyter_notebook(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterLabServer]:
    yield from _serve(tmp_path_factory, notebook7=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        # launch() gives every run a fresh temporary user-data dir.
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()


class LabPage:
    """A Playwright page on the JupyterLab of ``jupyter_lab`` (``window.jupyterapp`` is exposed)."""

    def __init__(self, page: Page, server: JupyterLabServer) -> None:
        self.page = page
        self.server = server

    def open(self, path: str = "") -> None:
        """Load the Lab UI (opening ``path`` when given) and wait until it is restored."""
        self.page.goto(self.server.lab_url(path))
        self.page.wait_for_function("() => window.jupyterapp !== undefined")
        self.page.evaluate("async () => { await window.jupyterapp.restored; }")

    def open_notebook(self, path: str, timeout_ms: float = NOTEBOOK_TIMEOUT_MS) -> None:
        """Open the notebook ``path`` (relative to ``root_dir``) and wait until it is the current
        widget and its kernel is idle."""
        self.open(path)
        self.page.wait_for_function(
            """path => {
                const widget = window.jupyterapp.shell.currentWidget;
                return widget?.context?.path === path
                    && widget.sessionContext?.session?.kernel?.status === 'idle';
            }""",
            arg=path,
            timeout=timeout_ms,
        )

    def run_all_cells(self, timeout_ms: float = NOTEBOOK_TIMEOUT_MS) -> bool:
        """Run every cell of the current notebook; returns JupyterLab's result (False when a cell raised)."""
        self.page.evaluate(
            """() => {
                window.__runAllCellsResult = undefined;
                window.jupyterapp.restored
                    .then(() => window.jupyterapp.commands.execute('notebook:run-all-cells'))
                    .then(ok => { window.__runAllCellsResult = ok === true; },
                          () => { window.__runAllCellsResult = false; });
            }"""
        )
        self.page.wait_for_function("() => window.__runAllCellsResult !== undefined", timeout=timeout_ms)
        return self.page.evaluate("() => window.__runAllCellsResult")

    def screenshot(self, name: str, target: Optional[Locator] = None, resize: bool = True) -> List[Path]:
        """Save PNGs of the page at each of ``SCREEN_SIZES`` (``test-artifacts/<name>-1440x900.png``, ...), with
        ``target`` scrolled into view when given, then restore the viewport; returns their paths. ``resize=False``
        shoots the page as it is (``<name>.png``), for a moment a resize would end, such as a drag."""
        ARTIFACTS_DIR.mkdir(exist_ok=True)
        if not resize:
            path = ARTIFACTS_DIR / f"{name}.png"
            self.page.screenshot(path=str(path))
            return [path]
        original, paths = self.page.viewport_size, []
        for size, viewport in SCREEN_SIZES.items():
            self.page.set_viewport_size(viewport)
            self.page.wait_for_timeout(300)  # JupyterLab lays the panels out again
            if target is not None:
                target.scroll_into_view_if_needed()
            paths.append(ARTIFACTS_DIR / f"{name}-{size}.png")
            self.page.screenshot(path=str(paths[-1]))
        if original is not None:
            self.page.set_viewport_size(original)
        return paths


@pytest.fixture
def lab_page(page: Page, jupyter_lab: JupyterLabServer) -> LabPage:
    return LabPage(page, jupyter_lab)


@pytest.fixture
def notebook_page(page: Page, jupyter_notebook: JupyterLabServer) -> LabPage:
    return LabPage(page, jupyter_notebook)
