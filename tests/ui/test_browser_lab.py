"""SampleBrowser in a real JupyterLab: typed filters and the query, click, shift-click, keyboard and rubber-band
selection checked through the Python state, create a test case and check it in the store and in the saved notebook;
bad locators show escaped reasons and leave the page and kernel working."""
import json
import time

import nbformat
import pytest
from playwright.sync_api import expect

import kolena_lab

pytestmark = pytest.mark.ui

SETUP = """
import os, numpy as np, pandas as pd
from pathlib import Path
from PIL import Image as PILImage
os.environ["KOLENA_LAB_CACHE"] = str(Path("{name}-cache").resolve())
import kolena_lab
from dataclasses import dataclass
from kolena_lab.workflow import GroundTruth, Image, Inference, define_workflow
from kolena_lab.ui import SampleBrowser
kolena_lab.initialize(url="sqlite:///" + str(Path("{name}.db").resolve()))

@dataclass(frozen=True)
class GT(GroundTruth):
    label: str

@dataclass(frozen=True)
class Inf(Inference):
    label: str

wf, TestCase, TestSuite, Model = define_workflow("Lab Browser", Image, GT, Inf)
folder = Path("{name}-images"); folder.mkdir(exist_ok=True)
paths = []
for i in range({n}):
    rng = np.random.default_rng(i)
    base = rng.integers(0, 200, 3)
    pixels = np.clip(base + rng.integers(0, 56, (96, 128, 3)), 0, 255).astype(np.uint8)
    path = folder / f"img_{{i:03d}}.jpg"
    PILImage.fromarray(pixels).save(path, "JPEG")
    paths.append(str(path.resolve()))
frame = pd.DataFrame({{"locator": paths, "ground_truth.label": ["cat", "dog", "bird"] * ({n} // 3),
                      "weather": ["sun", "rain"] * ({n} // 2), "brightness": np.linspace(0, 1, {n})}})
tc = TestCase.from_dataframe("all", frame)
"""


def _write(path, *sources):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def _status(page):
    return page.get_by_role("status").first


def _kernel(page, code):
    """What ``code`` prints when run in the open notebook's kernel (the browser's Python state)."""
    return page.evaluate("""async code => {
        const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
        const future = kernel.requestExecute({code, store_history: false});
        let out = '';
        future.onIOPub = msg => {
            if (msg.header.msg_type === 'stream') out += msg.content.text;
            if (msg.header.msg_type === 'error') out += `${msg.content.ename}: ${msg.content.evalue}`;
        };
        await future.done;
        return out;
    }""", code).strip()


def _save(page, path):
    """Save the open notebook from JupyterLab and read it back from disk."""
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty")
    return nbformat.read(path, as_version=4)


def test_filter_select_and_create_test_case(lab_page, jupyter_lab):
    _write(jupyter_lab.root_dir / "browse.ipynb", SETUP.format(name="browse", n=30),
           "browser = SampleBrowser(tc, page_size=12, thumbnail_size=96)\nbrowser")
    lab_page.open_notebook("browse.ipynb")
    assert lab_page.run_all_cells() is True
    page = lab_page.page
    gallery = page.get_by_role("listbox")
    expect(gallery.get_by_role("option")).to_have_count(12, timeout=60_000)
    expect(_status(page)).to_contain_text("30 of 30 samples match")
    for name in ("Create test case", "Add to test case", "Remove from test case", "Select all matching"):
        expect(page.get_by_role("button", name=name)).to_be_visible()

    query = page.get_by_role("textbox", name="Query")
    query.fill("weather == 'rain' and brightness > 0.1")
    query.press("Enter")
    expect(_status(page)).to_contain_text("14 of 30 samples match")
    options = gallery.get_by_role("option")
    expect(options.first).to_have_attribute("aria-label", str(jupyter_lab.root_dir / "browse-images/img_003.jpg"))
    labels = [options.nth(i).get_attribute("aria-label") for i in range(12)]

    for i in (0, 2, 4):
        options.nth(i).click()
    expect(_status(page)).to_contain_text("3 selected")
    options.nth(7).click(modifiers=["Shift"])
    expect(_status(page)).to_contain_text("6 selected")
    expected = [labels[i] for i in (0, 2, 4, 5, 6, 7)]
    for i in range(12):
        expect(options.nth(i)).to_have_attribute("aria-selected", "true" if labels[i] in expected else "false")

    options.nth(9).focus()  # keyboard: arrow to the next sample, space toggles it on and off
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Space")
    expect(_status(page)).to_contain_text("7 selected")
    expect(options.nth(10)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Space")
    expect(_status(page)).to_contain_text("6 selected")
    lab_page.screenshot("browser-selected")

    page.get_by_role("textbox", name="Test case name").fill("rainy <picks>")
    page.get_by_role("button", name="Create test case").click()
    confirm = page.get_by_role("button", name="Confirm")
    expect(confirm).to_be_visible()
    expect(page.locator("strong", has_text="Create test case 'rainy <picks>': 6 added")).to_be_visible()
    confirm.scroll_into_view_if_needed()
    lab_page.screenshot("browser-diff")
    confirm.click()
    expect(_status(page)).to_contain_text("Created test case 'rainy <picks>' version 1")
    expect(page.get_by_role("combobox", name="Existing test case")).to_have_value("rainy <picks>")
    _status(page).scroll_into_view_if_needed()
    lab_page.screenshot("browser-created")

    saved = _save(page, jupyter_lab.root_dir / "browse.ipynb")
    snapshots = [o["data"]["text/html"] for o in saved.cells[1].outputs if "text/html" in o.get("data", {})]
    assert len(snapshots) == 1 and "<script" not in snapshots[0].lower()
    assert "Created test case &#x27;rainy &lt;picks&gt;&#x27; version 1: 6 added" in snapshots[0]
    assert "14 of 30 samples match" in snapshots[0] and "6 selected" in snapshots[0]

    store = kolena_lab.initialize(url=f"sqlite:///{jupyter_lab.root_dir / 'browse.db'}")
    try:
        from kolena_lab.workflow import GroundTruth, Image, Inference, define_workflow
        from dataclasses import dataclass

        @dataclass(frozen=True)
        class GT(GroundTruth):
            label: str

        @dataclass(frozen=True)
        class Inf(Inference):
            label: str

        _, TestCase, _, _ = define_workflow("Lab Browser", Image, GT, Inf)
        created = TestCase.load("rainy <picks>")
        assert created.version == 1
        assert [s.locator for s, _ in created.load_test_samples()] == expected
    finally:
        store.dispose()


def test_big_test_case_shows_its_first_page_then_enables_the_controls_when_loaded(lab_page, jupyter_lab):
    slow_load = """
import threading
from kolena_lab.ui import _rows, browser as browser_module
browser_module.BACKGROUND_MIN_SAMPLES = 10  # treat this test case as big; its full load waits for `release`
release, build = threading.Event(), _rows.sample_rows_of
browser_module.sample_rows_of = lambda *args, **kwargs: (release.wait(120), build(*args, **kwargs))[1]
browser = SampleBrowser(tc, page_size=6, thumbnail_size=64)
browser"""
    _write(jupyter_lab.root_dir / "progressive.ipynb", SETUP.format(name="progressive", n=30), slow_load)
    lab_page.open_notebook("progressive.ipynb")
    assert lab_page.run_all_cells() is True
    page = lab_page.page
    options = page.get_by_role("listbox").get_by_role("option")
    expect(options).to_have_count(6, timeout=60_000)
    expect(_status(page)).to_contain_text("Loading 30 samples: showing the first 6")
    query = page.get_by_role("textbox", name="Query")
    expect(query).to_be_disabled()
    expect(page.get_by_role("button", name="Select all matching")).to_be_disabled()
    page.get_by_role("listbox").scroll_into_view_if_needed()
    lab_page.screenshot("browser-loading")

    _kernel(page, "release.set()")
    expect(_status(page)).to_contain_text("30 of 30 samples match", timeout=30_000)
    expect(query).to_be_enabled()
    query.fill("weather == 'rain'")
    query.press("Enter")
    expect(_status(page)).to_contain_text("15 of 30 samples match")
    assert _kernel(page, "print(browser.matching, browser.total)") == "15 30"
    saved = _save(page, jupyter_lab.root_dir / "progressive.ipynb")
    snapshot = next(o["data"]["text/html"] for o in saved.cells[1].outputs if "text/html" in o.get("data", {}))
    assert "Loading" not in snapshot and "of 30 samples match" in snapshot


def test_rubber_band_selects_the_thumbnails_it_touches(lab_page, jupyter_lab):
    _write(jupyter_lab.root_dir / "band.ipynb", SETUP.format(name="band", n=30),
           "browser = SampleBrowser(tc, page_size=24, thumbnail_size=96)\nbrowser")
    lab_page.open_notebook("band.ipynb")
    assert lab_page.run_all_cells() is True
    page = lab_page.page
    options = page.get_by_role("listbox").get_by_role("option")
    expect(options).to_have_count(24, timeout=60_000)
    options.nth(0).click()  # a box without a modifier replaces the page's selection
    expect(_status(page)).to_contain_text("1 selected")
    tops = [options.nth(i).bounding_box()["y"] for i in range(24)]
    columns = tops.count(tops[0])
    assert 4 <= columns <= 20
    options.nth(columns + 3).scroll_into_view_if_needed()
    boxes = [options.nth(i).bounding_box() for i in range(24)]
    first, last = boxes[1], boxes[columns + 3]  # from the 2nd thumbnail of row 1 to the 4th of row 2
    start = (first["x"] + first["width"] * 0.6, first["y"] + first["height"] * 0.4)
    end = (last["x"] + last["width"] * 0.4, last["y"] + last["height"] * 0.6)
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=8)
    lab_page.screenshot("browser-rubber-band", resize=False)  # mid-drag
    page.mouse.up()
    touched = [1, 2, 3, columns + 1, columns + 2, columns + 3]
    labels = [options.nth(i).get_attribute("aria-label") for i in range(24)]
    expect(_status(page)).to_contain_text("6 selected")
    for i in range(24):
        expect(options.nth(i)).to_have_attribute("aria-selected", "true" if i in touched else "false")
    selected = json.loads(_kernel(page, "import json; print(json.dumps(browser.selected['locator'].tolist()))"))
    assert selected == [labels[i] for i in touched]
    lab_page.screenshot("browser-rubber-band-selected")


def test_typed_filters_combine_with_each_other_and_the_query(lab_page, jupyter_lab):
    _write(jupyter_lab.root_dir / "typed.ipynb", SETUP.format(name="typed", n=30),
           "browser = SampleBrowser(tc, page_size=12, thumbnail_size=96)\nbrowser")
    lab_page.open_notebook("typed.ipynb")
    assert lab_page.run_all_cells() is True
    page = lab_page.page
    expect(page.get_by_role("listbox").get_by_role("option")).to_have_count(12, timeout=60_000)
    field = page.get_by_role("combobox", name="Filter by")
    field.select_option("brightness")
    low, high = page.get_by_role("spinbutton", name="Minimum"), page.get_by_role("spinbutton", name="Maximum")
    expect(low).to_have_value("0")
    expect(high).to_have_value("1")
    low.fill("0.2")
    low.press("Tab")
    high.fill("0.8")
    high.press("Tab")
    field.scroll_into_view_if_needed()
    lab_page.screenshot("browser-typed-range")
    page.get_by_role("button", name="Add filter").click()
    expect(_status(page)).to_contain_text("18 of 30 samples match")
    field.select_option("weather")
    page.get_by_role("checkbox", name="rain (15)").check()
    page.get_by_role("button", name="Add filter").click()
    expect(_status(page)).to_contain_text("9 of 30 samples match")
    query = page.get_by_role("textbox", name="Query")
    query.fill("`ground_truth.label` != 'cat'")
    query.press("Enter")
    expect(_status(page)).to_contain_text("6 of 30 samples match")
    page.locator(".kl-chip").first.scroll_into_view_if_needed()
    lab_page.screenshot("browser-typed-filters")
    same = _kernel(page, "wanted = frame[frame['brightness'].between(0.2, 0.8) & frame['weather'].isin(['rain'])"
                         " & (frame['ground_truth.label'] != 'cat')]['locator'].tolist()\n"
                         "print(browser.matching_rows()['locator'].tolist() == wanted, len(wanted))")
    assert same == "True 6"

    page.get_by_role("button", name="Remove filter brightness between 0.2 and 0.8").click()
    expect(_status(page)).to_contain_text("10 of 30 samples match")
    expect(page.get_by_role("button", name="Remove filter brightness between 0.2 and 0.8")).to_have_count(0)
    field.select_option("weather")  # the picker shows the filter it would replace
    expect(page.get_by_role("checkbox", name="rain (15)")).to_be_checked()
    page.get_by_role("button", name="Clear filters").click()
    expect(_status(page)).to_contain_text("30 of 30 samples match")
    expect(query).to_have_value("")


def test_next_page_paints_a_hundred_thumbnails(lab_page, jupyter_lab):
    _write(jupyter_lab.root_dir / "paging.ipynb", SETUP.format(name="paging", n=300),
           "browser = SampleBrowser(tc, page_size=100, thumbnail_size=128)\nbrowser")
    lab_page.open_notebook("paging.ipynb")
    assert lab_page.run_all_cells() is True
    page = lab_page.page
    options = page.get_by_role("listbox").get_by_role("option")
    expect(options).to_have_count(100, timeout=60_000)
    painted = """first => {
        const imgs = Array.from(document.querySelectorAll('[role="listbox"] [role="option"] img'));
        const opt = document.querySelector('[role="listbox"] [role="option"]');
        return imgs.length === 100 && opt.getAttribute('aria-label').endsWith(first)
            && imgs.every(i => i.complete && i.naturalWidth > 0);
    }"""
    timings = []
    for number, first in ((2, "img_100.jpg"), (3, "img_200.jpg")):
        started = time.perf_counter()
        page.get_by_role("button", name="Next page").click()
        page.wait_for_function(painted, arg=first, timeout=30_000)
        timings.append(time.perf_counter() - started)
        expect(page.get_by_text(f"Page {number} of 3")).to_be_visible()
    lab_page.screenshot("browser-page-3")
    print("next page -> 100 thumbnails painted, s (128x96 JPEGs, empty thumbnail cache):",
          json.dumps([round(t, 3) for t in timings]))


def test_bad_locators_show_reasons_and_keep_page_and_kernel(lab_page, jupyter_lab):
    setup = """
import os, threading, time, zlib, struct
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
import pandas as pd
os.environ["KOLENA_LAB_CACHE"] = str(Path("bad-cache").resolve())
from kolena_lab.media import FetchOptions
from kolena_lab.ui import SampleBrowser

class H(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        if self.path.startswith("/slow"):
            time.sleep(3)
        self.send_response(404); self.send_header("Content-Length", "0"); self.end_headers()

server = ThreadingHTTPServer(("127.0.0.1", 0), H)
threading.Thread(target=server.serve_forever, daemon=True).start()
url = f"http://127.0.0.1:{server.server_address[1]}"
folder = Path("bad"); folder.mkdir(exist_ok=True)
(folder / "notes.jpg").write_bytes(b"plain text, not a picture\\n" * 20)
from PIL import Image
import io
buf = io.BytesIO(); Image.new("RGB", (400, 300), (200, 30, 30)).save(buf, "JPEG")
(folder / "truncated.jpg").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 3])
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
comp = zlib.compressobj(9); row = bytes(20001)
idat = b"".join(comp.compress(row) for _ in range(20000)) + comp.flush()
ihdr = chunk(b"IHDR", struct.pack(">IIBBBBB", 20000, 20000, 8, 0, 0, 0, 0))
(folder / "huge.png").write_bytes(b"\\x89PNG\\r\\n\\x1a\\n" + ihdr + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
locators = [str(folder / "missing.jpg"), url + "/gone.jpg", url + "/slow.jpg", str(folder / "notes.jpg"),
            str(folder / "truncated.jpg"), str(folder / "huge.png"), '<img src=x onerror="window.pwned=1">.jpg']
"""
    _write(jupyter_lab.root_dir / "bad.ipynb", setup,
           "browser = SampleBrowser(pd.DataFrame({'locator': locators}), thumbnail_size=140, "
           "fetch=FetchOptions(timeout=(0.5, 0.5), deadline=1.0))\nbrowser",
           "print('kernel alive', 6 * 7)")
    lab_page.open_notebook("bad.ipynb")
    assert lab_page.run_all_cells() is True
    page = lab_page.page
    options = page.get_by_role("listbox").get_by_role("option")
    expect(options).to_have_count(7, timeout=60_000)
    reasons = [options.nth(i).locator(".kl-error").inner_text().lower() for i in range(7)]
    assert all(reasons), reasons
    assert "not found" in reasons[0] or "no such file" in reasons[0]
    assert "404" in reasons[1] and "time" in reasons[2] and "not an image" in reasons[3]
    assert "truncated" in reasons[4] and "too large" in reasons[5]
    expect(options.nth(6)).to_have_attribute("aria-label", '<img src=x onerror="window.pwned=1">.jpg')
    assert page.evaluate("() => window.pwned === undefined")
    assert page.locator('img[src="x"]').count() == 0
    expect(page.get_by_text("kernel alive 42")).to_be_visible()
    options.nth(6).dblclick()
    lab_page.screenshot("browser-bad-details")
    expect(page.get_by_role("button", name="Close details")).to_be_visible()
    expect(page.get_by_role("region", name='Details of <img src=x onerror="window.pwned=1">.jpg')).to_be_visible()
    assert page.evaluate("() => window.pwned === undefined")
    lab_page.screenshot("browser-bad-locators")
