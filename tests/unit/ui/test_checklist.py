"""CheckList: several choices with plain clicks, every option shown."""
import pytest
import traitlets

from kolena_lab.ui._checklist import CheckList


def test_ticking_boxes_sets_the_value_in_option_order_and_the_value_ticks_boxes():
    seen = []
    box = CheckList("Models", [("model a (stored inferences only)", "a"), "b", "c"], value=["a"])
    box.observe(lambda change: seen.append(change["new"]), "value")
    boxes = box.rows.children
    assert [b.description for b in boxes] == ["model a (stored inferences only)", "b", "c"]
    assert [b.value for b in boxes] == [True, False, False]
    boxes[2].value = True  # a plain click
    assert box.value == ("a", "c") and seen == [("a", "c")]
    box.value = ("b",)
    assert [b.value for b in boxes] == [False, True, False]


def test_new_options_keep_only_known_values_and_unknown_values_are_refused():
    box = CheckList("Configurations", ["x", "y"], value=["x", "y"])
    box.set_options(["y", "z"], ["y", "z"])
    assert box.value == ("y", "z") and [b.value for b in box.rows.children] == [True, True]
    with pytest.raises(traitlets.TraitError, match="not among the options: \\['w'\\]"):
        box.value = ("w",)
    assert box.value == ("y", "z")


def test_disabling_disables_every_box():
    box = CheckList("Configurations", ["x", "y"])
    box.disabled = True
    assert all(b.disabled for b in box.rows.children)
    box.set_options(["z"])
    assert box.rows.children[0].disabled and box.value == ()
