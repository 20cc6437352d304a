"""The Kolena Lab sidebar in a real JupyterLab (and Notebook 7): it lists what the store holds, typing part of a name
filters, "Open in notebook" runs a working widget, a job the worker finishes raises a notification, hostile names
render as text, a store the server cannot read shows the server's message, the store URL setting reaches the server,
and the launcher card opens the quickstart."""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest
from conftest import JupyterLabServer, LabPage, _serve
from playwright.sync_api import Page, expect

import kolena_lab
from kolena_lab import automation
from kolena_lab.workflow import no_op_evaluator, test
from tests.integration import _classification as c

pytestmark = pytest.mark.ui

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = "Test Classification"
HOSTILE = '<img src=x onerror="window.__injected=1">"quoted" ünïcode'
LONG = "long " + "x" * 1_000  # a name as long as the store takes (1,024 characters)
CASES = ["night drive", "day drive", "rainy night", "rain/snow é night", HOSTILE, LONG]
SIDEBAR = "#kolena-lab-sidebar"
WAIT_MS = 60_000


def _populate(url: str) -> None:
    """A suite of the CASES (hostile names among them), a model that inferred them, a model without results, and an
    entrypoint evaluator run from the repository."""
    kolena_lab.initialize(url)
    cases = [c.TestCase(name, test_samples=[(c.sample(i + 10 * k, index=i, night="night" in name),
                                             c.gt("cat" if i % 2 else "dog")) for i in range(4)])
             for k, name in enumerate(CASES)]
    suite = c.TestSuite("drive suite", test_cases=cases)
    test(c.Model("baseline", infer=c.predict), suite, no_op_evaluator)
    c.Model("candidate", metadata={"lr": 0.01}, tags={"new"})  # no results yet: opens an EvaluationPanel
    module = "tests.integration._classification"
    automation.register_evaluator(c.workflow, "accuracy", entrypoint=f"{module}:AccuracyEvaluator",
                                  configurations=[{"threshold": 0.5, "class": f"{module}:Threshold"}],
                                  working_dir=str(REPO))


def _serve_with_store(tmp_path_factory, notebook7: bool = False,
                      corrupt: bool = False) -> Iterator[tuple[JupyterLabServer, str]]:
    """A server (with the kolena_lab server extension) and kernels that use this worktree's kolena_lab and a store
    of our own (populated, or a corrupt file)."""
    base = tmp_path_factory.mktemp("sidebar-nb7" if notebook7 else "sidebar-lab")
    url = f"sqlite:///{base / 'lab.db'}"
    if corrupt:
        (base / "lab.db").write_bytes(b"this is not a database" * 100)
    else:
        _populate(url)
    config = base / "config-path"
    config.mkdir()
    (config / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": {"kolena_lab.jupyter": True}}}))
    saved = dict(os.environ)
    os.environ.update(
        KOLENA_LAB_URL=url,
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), saved.get("PYTHONPATH")])),
        JUPYTER_CONFIG_PATH=os.pathsep.join(filter(None, [str(config), saved.get("JUPYTER_CONFIG_PATH")])),
    )
    try:
        servers = _serve(tmp_path_factory, notebook7=notebook7)
        server = next(servers)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    yield server, url
    next(servers, None)


@pytest.fixture(scope="module")
def sidebar_lab(tmp_path_factory) -> Iterator[tuple[JupyterLabServer, str]]:
    yield from _serve_with_store(tmp_path_factory, notebook7=False)


@pytest.fixture
def sidebar_page(page: Page, sidebar_lab) -> LabPage:
    lab = LabPage(page, sidebar_lab[0])
    page.set_viewport_size({"width": 1440, "height": 900})
    lab.open()
    page.evaluate("() => window.jupyterapp.commands.execute('kolena-lab:open-sidebar')")
    expect(page.locator(SIDEBAR)).to_be_visible()
    return lab


def _rows(page: Page):
    return page.locator(f"{SIDEBAR} .kl-Row:visible .kl-Row-label")


def test_sidebar_lists_the_store_and_search_filters(sidebar_page):
    page = sidebar_page.page
    expect(_rows(page).filter(has_text=WORKFLOW)).to_have_count(1, timeout=WAIT_MS)
    # a single workflow opens by itself: its suite, then the suite's latest version with its test cases
    expect(_rows(page).filter(has_text="drive suite")).to_have_count(1)
    page.locator(f"{SIDEBAR} .kl-Row", has_text="drive suite").locator(".kl-Row-caret").click()
    expect(_rows(page).filter(has_text="version 1 (latest)")).to_have_count(1)
    for name in CASES:
        expect(_rows(page).filter(has_text=name)).to_have_count(1)
    expect(page.locator(SIDEBAR)).to_contain_text(f"{len(CASES)} test cases")
    box = page.locator(f"{SIDEBAR} .kl-Row", has_text=LONG).bounding_box()
    assert box["height"] <= 30 and box["width"] < 600  # a 10 kB name is cut with an ellipsis
    # hostile names are text: no element was injected, nothing ran
    expect(page.locator(f"{SIDEBAR} img")).to_have_count(0)
    assert page.evaluate("() => window.__injected") is None
    page.locator(f"{SIDEBAR} .kl-Row", has_text="rain/snow é night").click()  # its name is a URL path segment
    expect(page.locator(f"{SIDEBAR} .kl-Details")).to_contain_text("rain/snow é night")
    expect(page.locator(f"{SIDEBAR} .kl-Details")).to_contain_text("Versions")
    sidebar_page.screenshot("sidebar-tree")

    page.locator(f"{SIDEBAR} .kl-Search").fill("nigh")
    expect(_rows(page).filter(has_text="rainy night")).to_have_count(1, timeout=WAIT_MS)
    expect(_rows(page).filter(has_text="night drive")).to_have_count(1)
    expect(_rows(page).filter(has_text="rain/snow é night")).to_have_count(1)
    expect(_rows(page).filter(has_text="day drive")).to_have_count(0)
    expect(_rows(page).filter(has_text="drive suite")).to_have_count(0)
    sidebar_page.screenshot("sidebar-search")

    page.locator(f"{SIDEBAR} .kl-Search").fill("")
    page.locator(f"{SIDEBAR} .kl-Tab", has_text="Models").click()
    expect(_rows(page).filter(has_text="baseline")).to_have_count(1, timeout=WAIT_MS)


def test_open_in_notebook_runs_a_working_widget(sidebar_page):
    page = sidebar_page.page
    page.locator(f"{SIDEBAR} .kl-Search").fill("day dr")
    row = page.locator(f"{SIDEBAR} .kl-Row", has_text="day drive")
    expect(row).to_have_count(1, timeout=WAIT_MS)
    row.click()
    page.locator(f"{SIDEBAR} .kl-Open").click()
    # a new notebook with a kernel; its cell loads the test case by name and shows a SampleBrowser
    page.wait_for_function(
        """() => {
            const w = window.jupyterapp.shell.currentWidget;
            return w?.content?.widgets?.[0]?.model?.sharedModel?.getSource().includes('SampleBrowser')
                && w.sessionContext?.session?.kernel?.status === 'idle'
                && w.content.widgets[0].model.executionCount !== null;
        }""",
        timeout=WAIT_MS * 2,
    )
    output = page.locator(".jp-Notebook .jp-Cell").first.locator(".jp-OutputArea")
    outputs = page.evaluate("""() => window.jupyterapp.shell.currentWidget.content.widgets[0].model.outputs.toJSON()""")
    assert not [o for o in outputs if o["output_type"] == "error"], outputs
    expect(output).to_contain_text("day drive", timeout=WAIT_MS)  # the widget's title names the test case
    expect(output.locator(".widget-box, .jupyter-widgets").first).to_be_visible()
    sidebar_page.screenshot("sidebar-open-in-notebook")

    # with a notebook active, each further item becomes a new cell of it, run at once
    page.locator(f"{SIDEBAR} .kl-Search").fill("")
    opened = [("Workflows", "drive suite", "ResultsDashboard"), ("Workflows", WORKFLOW, "EvaluationPanel"),
              ("Models", "baseline", "ResultsDashboard"), ("Models", "candidate", "EvaluationPanel")]
    for n, (tab, name, widget) in enumerate(opened, start=2):
        page.locator(f"{SIDEBAR} .kl-Tab", has_text=tab).click()
        page.locator(f"{SIDEBAR} .kl-Row", has_text=name).first.click()
        page.locator(f"{SIDEBAR} .kl-Open").click()
        page.wait_for_function(
            """([n, widget]) => {
                const w = window.jupyterapp.shell.currentWidget;
                const cell = w?.content?.widgets?.[n - 1];
                return w.content.widgets.length === n && cell.model.sharedModel.getSource().includes(widget)
                    && cell.model.executionCount !== null && w.sessionContext.session.kernel.status === 'idle';
            }""",
            arg=[n, widget],
            timeout=WAIT_MS * 2,
        )
        outputs = page.evaluate(
            "n => window.jupyterapp.shell.currentWidget.content.widgets[n - 1].model.outputs.toJSON()", n)
        assert not [o for o in outputs if o["output_type"] == "error"], (name, outputs)
        assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs), (name, outputs)
    sidebar_page.screenshot("sidebar-open-more")


def test_finished_job_shows_a_notification(sidebar_page, sidebar_lab):
    page = sidebar_page.page
    expect(_rows(page).filter(has_text=WORKFLOW)).to_have_count(1, timeout=WAIT_MS)
    page.wait_for_timeout(1500)  # the job watcher has read the jobs once: what exists now is never announced
    kolena_lab.initialize(sidebar_lab[1])
    [job] = automation.queue_evaluation("baseline", "drive suite", evaluator="accuracy")
    automation.Worker(poll_interval=0.1).run(until_idle=True)
    assert automation.get_job(job.id).status == "succeeded", automation.get_job(job.id).stderr
    toast = page.locator(".Toastify__toast", has_text="Evaluation finished")
    expect(toast).to_be_visible(timeout=WAIT_MS)
    expect(toast).to_contain_text("baseline")
    page.wait_for_timeout(1000)  # the toast has slid in
    page.locator(f"{SIDEBAR} .kl-Tab", has_text="Jobs").click()
    expect(page.locator(f"{SIDEBAR} .kl-Row.kl-status-succeeded")).to_have_count(1)
    sidebar_page.screenshot("sidebar-job-notification")

    toast.get_by_role("button", name="Open results").click()  # the job's results in a new notebook
    page.wait_for_function(
        """() => {
            const w = window.jupyterapp.shell.currentWidget;
            const cell = w?.content?.widgets?.[0];
            return cell?.model.sharedModel.getSource().includes('ResultsDashboard')
                && cell.model.executionCount !== null && w.sessionContext.session.kernel.status === 'idle';
        }""",
        timeout=WAIT_MS * 2,
    )
    outputs = page.evaluate("() => window.jupyterapp.shell.currentWidget.content.widgets[0].model.outputs.toJSON()")
    assert not [o for o in outputs if o["output_type"] == "error"], outputs
    expect(page.locator(".jp-OutputArea").first).to_contain_text("accuracy", timeout=WAIT_MS)


def test_store_url_setting_is_sent_to_the_server(page, sidebar_lab, tmp_path):
    server, url = sidebar_lab
    other = f"sqlite:///{tmp_path / 'other.db'}"
    kolena_lab.initialize(other)
    c.TestCase("only in the other store", test_samples=[(c.sample(99, index=0, night=False), c.gt("cat"))])
    kolena_lab.initialize(url)
    settings = server.root_dir.parent / "settings" / "kolena-lab" / "plugin.jupyterlab-settings"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(json.dumps({"storeUrl": other, "refreshInterval": 1}))
    try:
        lab = LabPage(page, server)
        page.set_viewport_size({"width": 1440, "height": 900})
        lab.open()
        page.evaluate("() => window.jupyterapp.commands.execute('kolena-lab:open-sidebar')")
        expect(page.locator(SIDEBAR)).to_contain_text("1 test case", timeout=WAIT_MS)
        page.locator(f"{SIDEBAR} .kl-Row", has_text="All test cases").click()
        expect(_rows(page).filter(has_text="only in the other store")).to_have_count(1, timeout=WAIT_MS)
        expect(_rows(page).filter(has_text="drive suite")).to_have_count(0)
    finally:
        settings.unlink()
        request = urllib.request.Request(f"{server.url}kolena-lab/api/settings", method="PUT",
                                         data=json.dumps({"store_url": url}).encode(),
                                         headers={"Authorization": f"token {server.token}"})
        urllib.request.urlopen(request, timeout=30).close()


def test_launcher_card_opens_the_quickstart(sidebar_page, sidebar_lab):
    page = sidebar_page.page
    root = sidebar_lab[0].root_dir
    card = page.locator(".jp-LauncherCard", has_text="Quickstart")
    expect(card).to_be_visible()
    card.click()  # no quickstart notebook in the server root: a new notebook of starter cells
    page.wait_for_function("""() => window.jupyterapp.shell.currentWidget?.content?.widgets?.[0]?.model
        .sharedModel.getSource().includes('catalog.store_info()')""", timeout=WAIT_MS)
    (root / "notebooks").mkdir(exist_ok=True)
    (root / "notebooks" / "quickstart.ipynb").write_text(json.dumps(
        {"cells": [{"cell_type": "markdown", "metadata": {}, "source": "# The quickstart"}], "metadata": {},
         "nbformat": 4, "nbformat_minor": 5}))
    page.evaluate("() => window.jupyterapp.commands.execute('kolena-lab:quickstart')")
    page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget?.context?.path === 'notebooks/quickstart.ipynb'",
        timeout=WAIT_MS)


@pytest.fixture(scope="module")
def corrupt_lab(tmp_path_factory) -> Iterator[tuple[JupyterLabServer, str]]:
    yield from _serve_with_store(tmp_path_factory, corrupt=True)


def test_unreadable_store_shows_the_server_message(page, corrupt_lab):
    server = corrupt_lab[0]
    try:
        urllib.request.urlopen(f"{server.url}kolena-lab/api/store?token={server.token}", timeout=30)
        pytest.fail("a corrupt store was read")
    except urllib.error.HTTPError as e:
        status, error = e.code, json.loads(e.read())["error"]
    assert status == 503 and error
    lab = LabPage(page, server)
    page.set_viewport_size({"width": 1440, "height": 900})
    lab.open()
    page.evaluate("() => window.jupyterapp.commands.execute('kolena-lab:open-sidebar')")
    message = page.locator(f"{SIDEBAR} .kl-Message.kl-mod-error")
    expect(message).to_have_text(error, timeout=WAIT_MS)
    expect(page.locator(f"{SIDEBAR} .kl-VirtualList")).to_be_hidden()
    lab.screenshot("sidebar-store-error")
@pytest.fixture(scope="module")
def sidebar_notebook7(tmp_path_factory) -> Iterator[tuple[JupyterLabServer, str]]:
    yield from _serve_with_store(tmp_path_factory, notebook7=True)


def test_sidebar_in_notebook7_left_panel(page, sidebar_notebook7):
    server = sidebar_notebook7[0]
    (server.root_dir / "empty.ipynb").write_text(json.dumps(
        {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(server.lab_url("empty.ipynb"))
    page.wait_for_function("() => window.jupyterapp !== undefined")
    page.evaluate("async () => { await window.jupyterapp.restored; }")
    in_left = page.evaluate("""() => Array.from(window.jupyterapp.shell.widgets('left'))
        .some(w => w.id === 'kolena-lab-sidebar')""")
    assert in_left
    page.evaluate("() => window.jupyterapp.commands.execute('kolena-lab:open-sidebar')")
    expect(_rows(page).filter(has_text=WORKFLOW)).to_have_count(1, timeout=WAIT_MS)
    page.screenshot(path=str(REPO / "test-artifacts" / "sidebar-notebook7.png"))
