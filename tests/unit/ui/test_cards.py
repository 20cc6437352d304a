"""Sample cards: class labels as tags (the top prediction only, label and score apart), a right/wrong badge, and
the per-sample metric that matters first."""
from kolena_lab.ui import SampleBrowser
from kolena_lab.ui._cards import detection_badge, key_metric, label_tags, outcome_badge
from kolena_lab.workflow.annotation import ClassificationLabel, LabeledBoundingBox, ScoredClassificationLabel
from tests.unit.ui import _truth as T


def _scores(*pairs):
    return [ScoredClassificationLabel(label, score) for label, score in pairs]


def test_label_tags_show_the_top_prediction_and_whether_it_is_right():
    row = {"ground_truth.label": ClassificationLabel("9"),
           "inference.scores": _scores(("1", 0.1), ("9", 0.66), ("4", 0.2), ("7", 0.04))}
    tags, badge = label_tags(row)
    assert tags == [{"text": "GT 9", "kind": "truth"}, {"text": "9 · 0.66", "kind": "inference"}]
    assert badge == {"text": "✓ right", "tone": "right"}
    tags, badge = label_tags({**row, "ground_truth.label": ClassificationLabel("4")})
    assert badge["tone"] == "wrong" and tags[1]["text"] == "9 · 0.66"
    assert label_tags({"inference.scores": _scores(("3", 0.5))}) == ([{"text": "3 · 0.50", "kind": "inference"}],
                                                                     None)
    assert label_tags({"ground_truth.boxes": [LabeledBoundingBox((0, 0), (1, 1), "a")]}) == ([], None)


def test_detection_badge_counts_matches():
    box = LabeledBoundingBox((0, 0), (1, 1), "a")
    assert detection_badge({"metrics.count_tp": 2, "metrics.count_fp": 0, "metrics.count_fn": 0}) == {
        "text": "✓ all matched (2)", "tone": "right"}
    assert detection_badge({"metrics.tp": [box], "metrics.fp": [box, box], "metrics.fn": []}) == {
        "text": "TP 1 · FP 2 · FN 0", "tone": "wrong"}
    assert detection_badge({"metrics.tp": 1}) is None


def test_outcome_badge_from_a_declared_true_false_metric():
    assert outcome_badge({"metrics.nme": 0.3, "metrics.failed": True, "metrics.normalization": 36.0}) == {
        "text": "✗ failed", "tone": "wrong"}
    assert outcome_badge({"metrics.nme": 0.01, "metrics.failed": False, "metrics.normalization": 36.0}) == {
        "text": "✓ not failed", "tone": "right"}
    assert outcome_badge({"metrics.passed": True}) is None  # no declared direction: no badge


def test_key_metric_is_the_declared_headline_else_the_first_number():
    assert key_metric({"metrics.normalization": 40.0, "metrics.failed": False, "metrics.nme": 0.05}) == "nme"
    assert key_metric({"metrics.match": "success", "metrics.nme": 0.05, "metrics.errors": [0.1]}) == "nme"
    assert key_metric({"metrics.passed": True}) is None
    assert key_metric({"metrics.count_tp": 2, "metrics.count_fp": 0}, fallback=False) is None


def test_browser_cards_of_a_classifier(sqlite_store, tmp_path):
    suite, models = T.classification(tmp_path)
    browser = SampleBrowser(suite.test_cases[0], model=models[0], show_thumbnails=True)
    items = browser.gallery.items
    assert len(items) == T.N
    first = items[0]  # animal00: GT cat, guesser right on every third image
    assert first["tags"] == [{"text": "GT cat", "kind": "truth"}, {"text": "cat · 0.66", "kind": "inference"}]
    assert first["badge"] == {"text": "✓ right", "tone": "right"}
    assert items[1]["badge"]["tone"] == "wrong" and len(items[1]["tags"]) == 2
    assert first["detail"] == ""  # the tags and the badge say it all


def test_browser_cards_of_keypoints_show_the_error(sqlite_store, tmp_path):
    suite, models = T.keypoints(tmp_path)
    browser = SampleBrowser(suite.test_cases[0], model=models[0], show_thumbnails=False)
    assert all(item["detail"].startswith("nme: ") for item in browser.gallery.items)
    assert {item["badge"]["text"] for item in browser.gallery.items} == {"✗ failed"}  # the noisy model
    assert all("normalization" not in item["detail"] for item in browser.gallery.items)


def test_browser_cards_of_a_detector(sqlite_store, tmp_path):
    suite, models = T.detection(tmp_path)
    sharp = SampleBrowser(suite.test_cases[0], model=models[1], configuration=T.PASCAL, show_thumbnails=False)
    assert {item["badge"]["text"] for item in sharp.gallery.items} == {"✓ all matched (2)"}
    sloppy = SampleBrowser(suite.test_cases[0], model=models[0], configuration=T.PASCAL, show_thumbnails=False)
    assert sloppy.gallery.items[1]["badge"]["tone"] == "wrong"
    assert sloppy.gallery.items[1]["badge"]["text"].startswith("TP ")
    assert sloppy.gallery.items[1]["detail"] == ""


def test_a_long_file_name_is_cut_in_the_middle_on_the_card():
    from kolena_lab.ui._cards import CARD_NAME_CHARS, card_name

    assert card_name("/data/images/cat_001.png") == "cat_001.png"
    digest = "1743acb7213313269697dfff233a3574e3c7e7f0b64562819" + "8e0f673a163d81.png"
    name = card_name(f"/media/stress/{digest}")
    assert len(name) == CARD_NAME_CHARS - 1 and name.startswith("1743acb7213") and name.endswith("3a163d81.png")
    assert "…" in name
    assert card_name("https://host/x/") == "x"
