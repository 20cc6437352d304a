"""ModelRegistry logic on a real store: listing, creating with name checks, editing metadata and tags, CSV import."""
import pytest

from kolena_lab.errors import NameConflictError
from kolena_lab.ui import ModelRegistry
from kolena_lab.ui.model_registry import format_value, metadata_text, parse_value
from tests.unit.ui import _results as R


@pytest.fixture
def registry(sqlite_store):
    suite, models = R.build(n_samples=12, evaluate=False)
    return ModelRegistry(R.workflow), suite


def test_lists_models_with_metadata_and_tags(registry):
    reg, _ = registry
    assert reg.select.options == ("model-3", "model-5", "model-9")
    assert "model-9" in reg.models_table.value and "skill: 9" in reg.models_table.value
    assert "model-9" in reg.snapshot_html() and "<script" not in reg.snapshot_html()


def test_create_checks_the_name_live_and_shows_guidance(registry):
    reg, _ = registry
    reg.new_name.value = "model-5"
    assert reg.create_button.disabled and "already exists" in reg.name_help.value
    assert "architecture" in reg.name_help.value and "input size" in reg.name_help.value
    reg.new_name.value = "resnet50-224px-torch-run7"
    assert not reg.create_button.disabled and "already exists" not in reg.name_help.value
    reg.create_button.click()
    assert reg.select.value == "resnet50-224px-torch-run7" and reg.new_name.value == ""
    with pytest.raises(NameConflictError):
        reg.create("model-5")


def test_edit_metadata_as_rows_and_as_json(registry):
    reg, _ = registry
    reg.select.value = "model-3"
    rows = reg.rows_box.children
    assert [(r.key.value, r.value.value) for r in rows] == [("skill", "3")]
    reg.add_row_button.click()
    reg.rows_box.children[-1].key.value = "framework"
    reg.rows_box.children[-1].value.value = "torch"
    reg.add_row_button.click()
    reg.rows_box.children[-1].key.value = "input"
    reg.rows_box.children[-1].value.value = "[224, 224]"
    reg.tags_text.value = "baseline, prod"
    reg.save_button.click()
    stored = R.Model.load("model-3")
    assert stored.metadata == {"skill": 3, "framework": "torch", "input": [224, 224]}
    assert stored.tags == {"baseline", "prod"}
    reg.mode.value = "Raw JSON"
    assert '"framework": "torch"' in reg.json_text.value
    reg.json_text.value = '{"skill": "3", "note": null}'
    reg.mode.value = "Key/value rows"  # switching converts, keeping "3" a string
    assert [(r.key.value, r.value.value) for r in reg.rows_box.children] == [("skill", '"3"'), ("note", "null")]
    reg.rows_box.children[1].remove.click()
    reg.save()
    assert R.Model.load("model-3").metadata == {"skill": "3"}


def test_bad_metadata_is_reported_not_saved(registry):
    reg, _ = registry
    reg.select.value = "model-5"
    reg.mode.value = "Raw JSON"
    reg.json_text.value = "{not json"
    reg.save_button.click()
    assert "not valid JSON" in reg.edit_status.value
    reg.mode.value = "Key/value rows"
    assert reg.mode.value == "Raw JSON"  # stays until the JSON is fixed
    assert R.Model.load("model-5").metadata == {"skill": 5}
    reg.json_text.value = "[1]"
    with pytest.raises(ValueError, match="JSON object"):
        reg.save()


def test_value_round_trip():
    for value in ["torch", "3", "true", 3, 2.5, True, None, [1, "a"], {"a": 1}]:
        assert parse_value(format_value(value)) == value


def test_create_from_inference_csv_reports_missing_samples(registry, tmp_path):
    reg, suite = registry
    lines = ["locator,label,score"] + [f"/data/img{i:04d}.png,{R.LABELS[i % 3]},0.9" for i in range(0, 12, 2)]
    path = tmp_path / "inferences.csv"
    path.write_text("\n".join(lines + ["/elsewhere.png,cat,0.1"]) + "\n")
    result = reg.create_from_csv("lookup-csv", str(path), suite)
    assert result.stored == 6 and len(result.missing) == 6 and result.unmatched == ["/elsewhere.png"]
    assert sorted(s.locator for s in result.missing) == [f"/data/img{i:04d}.png" for i in range(1, 12, 2)]
    assert "6 samples have no inference" in reg.csv_report.value and "/data/img0001.png" in reg.csv_report.value
    model = R.Model.load("lookup-csv")
    inferred = model.load_inferences(suite.test_cases[1])
    assert len(inferred) == 6
    assert {inf.prediction.label for _, gt, inf in inferred} == {gt.label.label for _, gt, _ in inferred}
    assert inferred[0][2].prediction.score == pytest.approx(0.9)


def test_csv_button_imports_what_the_form_holds_and_shows_errors(registry, tmp_path):
    reg, suite = registry
    reg.new_name.value = "from-button"
    reg.csv_button.click()
    assert "give a CSV path or upload a CSV" in reg.csv_status.value
    path = tmp_path / "inferences.csv"
    path.write_text("locator,label,score\n/data/img0000.png,cat,0.9\n")
    reg.csv_path.value = str(path)
    assert reg.csv_suite.value == suite.name
    reg.csv_button.click()
    assert reg.select.value == "from-button" and reg.new_name.value == ""
    assert "1 inferences stored" in reg.csv_report.value and "11 samples have no inference" in reg.csv_report.value
    reg.new_name.value = "model-5"
    reg.csv_button.click()
    assert "a model named &#x27;model-5&#x27; already exists" in reg.csv_status.value  # the message, no class name


def test_messages_sit_beside_their_buttons_and_vague_names_are_questioned(registry):
    reg, _ = registry
    reg.new_name.value = "test"
    assert "says nothing about the model" in reg.name_help.value and not reg.create_button.disabled
    reg.new_name.value = "model-5"
    assert "already exists" in reg.name_help.value and reg.create_button.disabled
    reg.new_name.value = "resnet50-224px-torch-run7"
    assert "⚠" not in reg.name_help.value
    reg.create_button.click()
    assert "Created model" in reg.create_status.value and reg.edit_status.value == ""
    reg.mode.value = "Raw JSON"
    reg.json_text.value = "{oops"
    reg.save_button.click()
    assert "not valid JSON" in reg.edit_status.value and reg.csv_status.value == ""
    reg.json_text.value = "{}"
    assert reg.edit_status.value == ""  # cleared once the situation changes
    assert metadata_text({"b": [1, 2], "a": "x"}) == "a: x · b: [1, 2]"
