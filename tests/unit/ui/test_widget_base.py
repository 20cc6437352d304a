import ipywidgets

from kolena_lab.errors import InputValidationError
from kolena_lab.ui._widget import Panel, html_table


class Counter(Panel):
    title = "Counter <1>"

    def __init__(self) -> None:
        self.label = ipywidgets.Label("0")
        super().__init__([self.label])

    def snapshot_body(self) -> str:
        return html_table(["value"], [[self.label.value]])


def test_bundle_carries_widget_view_and_escaped_snapshot():
    counter = Counter()
    counter.label.value = "<b>7</b>"
    bundle = counter._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    snapshot = bundle["text/html"]
    assert "Counter &lt;1&gt;" in snapshot and "&lt;b&gt;7&lt;/b&gt;" in snapshot
    assert "<script" not in snapshot


def test_html_table_formats_floats_and_none():
    table = html_table(["a", "b"], [[0.123456789, None]], caption="c")
    assert "0.1235" in table and "<td style=\"padding:2px 8px\"></td>" in table and "<caption" in table


class Guarded(Panel):
    def __init__(self) -> None:
        self.status = ipywidgets.HTML()
        super().__init__([self.status])


def test_guard_shows_an_action_error_in_the_status_instead_of_raising():
    panel, done = Guarded(), []
    panel._guard(done.append, 1)
    assert done == [1] and panel.status.value == ""
    panel._guard(int, "<x>")
    assert "ValueError" in panel.status.value and "&lt;x&gt;" in panel.status.value and "<x>" not in panel.status.value

    def refuse(name: str) -> None:
        raise InputValidationError(f"name {name!r} is taken")

    panel._guard(refuse, "<x>")  # kolena_lab's own errors are written for the user: the message alone
    assert panel.status.value == "<span style='color:#a40e26'>name &#x27;&lt;x&gt;&#x27; is taken</span>"


class _Handle:
    def __init__(self) -> None:
        self.updates: list = []

    def update(self, data, metadata=None, raw=False) -> None:
        self.updates.append(data["text/html"])


def test_guard_refreshes_the_stored_snapshot_after_each_action_even_a_failed_one():
    counter, handle = Counter(), _Handle()
    counter._display_handles = [handle]
    counter._guard(lambda: setattr(counter.label, "value", "41"))
    counter.status = ipywidgets.HTML()
    counter._guard(int, "x")
    assert len(handle.updates) == 2 and "41" in handle.updates[0]
