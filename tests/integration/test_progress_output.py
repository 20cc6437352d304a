"""Progress bars in a notebook end in their final state in the saved output (the live widget is gone there)."""
import nbclient
import nbformat


def _run(source: str) -> list:
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(source))
    nbclient.NotebookClient(nb, kernel_name="python3", timeout=120).execute()
    return [o for o in nb.cells[0].outputs if o.get("output_type") == "display_data"]


def test_a_finished_bar_is_saved_with_its_final_count():
    outputs = _run("from kolena_lab._utils.log import progress_bar\n"
                   "items = list(progress_bar(range(913), desc='inferring', total=913))")
    assert len(outputs) == 1
    text = outputs[0]["data"]["text/plain"]
    assert "913/913" in text and "100%" in text, text
    assert "application/vnd.jupyter.widget-view+json" in outputs[0]["data"]


def test_an_interrupted_bar_is_saved_where_it_stopped():
    outputs = _run("from kolena_lab._utils.progress import ProgressBar\n"
                   "with ProgressBar(total=10) as bar:\n"
                   "    bar.update(4)")
    assert "4/10" in outputs[0]["data"]["text/plain"]
