"""Names the store would refuse or a terminal would misprint: refused by every write path, naming the kind of name,
before anything is written."""
import pytest

from kolena_lab.automation import register_evaluator
from kolena_lab.errors import InputValidationError
from kolena_lab.workflow import catalog, define_workflow

from tests.integration import _classification as c

BAD_NAMES = {
    "5000 characters": "n" * 5000,
    "empty": "",
    "whitespace only": " \t ",
    "NUL": "cats\x00dogs",
    "newline": "cats\nINFO forged log line",
    "carriage return": "cats\rdogs",
    "terminal escape sequence": "\x1b[2J\x1b[31mcleared\x1b[0m",
    "C1 control sequence introducer": "a\x9b31mb",
    "DEL": "cats\x7f",
    "tab": "cats\tdogs",
    "line separator": "cats\u2028dogs",
    "bidirectional override": "report\u202egnp.exe",
}
MATCH = {"5000 characters": "is 5000 characters long, longer than", "empty": "must not be empty",
         "whitespace only": "must not be empty"}


def _cases() -> list:
    return [pytest.param(name, MATCH.get(label, "must not contain control characters"), id=label)
            for label, name in BAD_NAMES.items()]


@pytest.mark.parametrize("name, match", _cases())
def test_test_case_name(unchanged, name, match):
    with unchanged(InputValidationError, match=f"^test case name {match}"):
        c.TestCase(name, test_samples=c.members(2))


@pytest.mark.parametrize("name, match", _cases())
def test_test_suite_name(unchanged, name, match):
    with unchanged(InputValidationError, match=f"^test suite name {match}"):
        c.TestSuite(name)


@pytest.mark.parametrize("name, match", _cases())
def test_model_name(unchanged, name, match):
    with unchanged(InputValidationError, match=f"^model name {match}"):
        c.Model(name, infer=c.predict)


@pytest.mark.parametrize("name, match", _cases())
def test_workflow_name(unchanged, name, match):
    with unchanged(InputValidationError, match=f"^workflow name {match}"):
        define_workflow(name, c.Sample, c.GT, c.Inf)


@pytest.mark.parametrize("name", ["w" * 513, "x\x1b]0;title\x07"], ids=["513 characters", "OSC title escape"])
def test_workflow_name_longer_than_its_column_or_with_escapes(unchanged, name):
    with unchanged(InputValidationError, match="^workflow name"):
        define_workflow(name, c.Sample, c.GT, c.Inf)


@pytest.mark.parametrize("name", ["e" * 513, "eval\nuator", "\x1b[1meval"], ids=["513 characters", "newline", "escape"])
def test_evaluator_name(sqlite_store, unchanged, name):
    c.workflow.register()
    with unchanged(InputValidationError, match="^evaluator name"):
        register_evaluator(c.workflow, name, command="true")


@pytest.mark.parametrize("tags", [{"ok", "night\nly"}, {""}, {"t" * 2000}, {"\x1b[31mred"}],
                         ids=["newline", "empty", "2000 characters", "escape"])
def test_model_tags(unchanged, tags):
    with unchanged(InputValidationError, match="^tag of model 'm'"):
        c.Model("m", infer=c.predict, tags=tags)


@pytest.mark.parametrize("tags", [{"night\x00ly"}, {"  "}], ids=["NUL", "whitespace"])
def test_test_suite_tags(unchanged, tags):
    with unchanged(InputValidationError, match="^tag of test suite 's'"):
        c.TestSuite("s", tags=tags)


@pytest.mark.parametrize("name", ["x" * 5000, "a\x1b[2Jb", "a\nb"], ids=["5000 characters", "escape", "newline"])
def test_curated_test_case_name(unchanged, name):
    c.TestCase("source", test_samples=c.members(3))
    with unchanged(InputValidationError, match="^test case name"):
        catalog.create_test_case_from(name, ["source"])


@pytest.mark.parametrize("name", ["y" * 5000, "\x1b[2J" + "y" * 300])
def test_message_is_short_and_holds_no_control_character(sqlite_store, name):
    with pytest.raises(InputValidationError) as info:
        c.TestCase(name, test_samples=c.members(1))
    message = str(info.value)
    assert len(message) < 250 and not any(ch < " " for ch in message) and "characters" in message


@pytest.mark.parametrize("bad", [{"name": "eval\nuator", "command": "true"},
                                 {"name": "ok", "command": "no-such-command-anywhere"},
                                 {"name": "ok", "entrypoint": "no_such_module:evaluate"}],
                         ids=["bad name", "missing command", "missing entrypoint"])
def test_a_refused_evaluator_leaves_its_unstored_workflow_unstored(unchanged, bad):
    with unchanged(InputValidationError):
        register_evaluator(c.workflow, **bad)
