"""The public core lists and edits what the store holds: typed lists on bound classes, records by name."""
import json

import pytest

from kolena_lab.errors import InputValidationError, NameConflictError, NotFoundError, QueryError, WorkflowMismatchError
from kolena_lab.workflow import Filter, Workflow, bound_classes, catalog, define_workflow

from . import _classification as c


def _curated(lab):
    cats = c.TestCase("cats", description="all the cats",
                      test_samples=[(c.sample(i, night=i % 2 == 0, brightness=i / 10), c.gt("cat")) for i in range(6)])
    dogs = c.TestCase("dogs", test_samples=[(c.sample(10 + i, night=False), c.gt("dog")) for i in range(2)])
    suite = c.TestSuite("pets", test_cases=[cats, dogs], tags={"nightly"})
    c.Model("m1", metadata={"arch": "tiny"}, tags={"prod"})
    c.Model("m2")
    return cats, dogs, suite


def test_typed_lists_on_bound_classes(lab):
    cats, dogs, suite = _curated(lab)
    assert c.TestCase.list() == [cats, dogs]
    assert [s.name for s in c.TestSuite.list()] == ["pets"] and c.TestSuite.list(tags={"other"}) == []
    assert [m.name for m in c.Model.list()] == ["m1", "m2"] and [m.name for m in c.Model.list({"prod"})] == ["m1"]
    assert c.TestSuite.load_all(tags={"nightly"}) == c.TestSuite.list(tags={"nightly"})


def test_records_by_name_are_json_ready(lab):
    _curated(lab)
    [cats, dogs] = catalog.list_test_cases(c.workflow.name)
    assert (cats.name, cats.latest_version, cats.n_samples, cats.description) == ("cats", 1, 6, "all the cats")
    assert catalog.list_test_cases("another workflow") == []
    assert [(v.version, v.n_samples) for v in catalog.test_case_versions("cats")] == [(0, 0), (1, 6)]
    suite = catalog.test_suite_info("pets")
    assert suite.to_dict() == {"name": "pets", "workflow": c.workflow.name, "description": "", "tags": ["nightly"],
                               "latest_version": 1, "test_cases": [["cats", 1], ["dogs", 1]]}
    assert json.loads(json.dumps(catalog.model_info("m1").to_dict()))["metadata"] == {"arch": "tiny"}
    [workflow] = catalog.list_workflows()
    assert (workflow.name, workflow.test_sample, workflow.inference) == (c.workflow.name, "Sample", "Inf")
    assert catalog.store_info()["test_cases"] == 2
    for missing in (lambda: catalog.test_case_info("nope"), lambda: catalog.test_suite_info("pets", 7),
                    lambda: catalog.model_info("nope"), lambda: catalog.workflow_info("nope")):
        with pytest.raises(NotFoundError):
            missing()


def test_create_test_case_from_a_query_keeps_order_and_ground_truths(lab):
    _curated(lab)
    created = catalog.create_test_case_from("dark", ["cats", "dogs"], where="night == True and brightness > 0.1")
    assert (created.name, created.latest_version, created.n_samples) == ("dark", 1, 2)
    loaded = c.TestCase.load("dark").load_test_samples()
    assert [s.locator for s, _ in loaded] == [c.sample(2).locator, c.sample(4).locator]
    assert {g.label.label for _, g in loaded} == {"cat"}
    both = catalog.create_test_case_from("day", ["cats", "dogs"], filters=[Filter("night", "==", False)])
    assert both.n_samples == 5
    with pytest.raises(NameConflictError):
        catalog.create_test_case_from("day", ["cats"])
    with pytest.raises(InputValidationError, match="no sample matches"):
        catalog.create_test_case_from("none", ["cats"], where="brightness > 9")
    with pytest.raises(QueryError, match="unknown field"):
        catalog.create_test_case_from("none", ["cats"], where="nope == 1")
    assert [t.name for t in catalog.list_test_cases()] == ["cats", "dark", "day", "dogs"]


def test_edit_test_suite_by_name_versions_only_on_membership_change(lab):
    _curated(lab)
    catalog.create_test_case_from("dark", ["cats"], where="night == True")
    assert catalog.edit_test_suite("pets", description="new words").latest_version == 1
    edited = catalog.edit_test_suite("pets", add=["dark"], remove=["dogs"])
    assert edited.latest_version == 2 and edited.test_cases == (("cats", 1), ("dark", 1))
    assert c.TestSuite.load("pets").description == "new words"
    other, *_ = define_workflow("Another", c.Sample, c.GT, c.Inf)
    bound_classes(other)[0]("foreign", test_samples=[(c.sample(99), c.gt("x"))])
    with pytest.raises(WorkflowMismatchError):
        catalog.edit_test_suite("pets", add=["foreign"])
    assert catalog.test_suite_info("pets").latest_version == 2


def test_edit_model_metadata(lab):
    _curated(lab)
    model = catalog.edit_model_metadata("m1", {"layers": 50}, unset=["arch"])
    assert model.metadata == {"layers": 50} and c.Model.load("m1").metadata == {"layers": 50}


def test_register_a_workflow_and_bound_classes(lab):
    empty = Workflow("Empty for now", c.Sample, c.GT, c.Inf)
    assert empty.register() is empty
    assert [w.name for w in catalog.list_workflows()] == ["Empty for now"]
    assert bound_classes(empty) == bound_classes(bound_classes(empty)[2])
    with pytest.raises(TypeError):
        bound_classes("Empty for now")
