"""Curation from a selection: a new test case, or samples added to / removed from one, optionally into a suite.

Each action is previewed as a :class:`CurationDiff` (counts and a few thumbnails of added and removed samples) and
committed through the public workflow API: ``TestCase.from_dataframe`` for a new case, ``TestCase.edit()`` for
additions and removals, ``TestSuite.edit()`` for the suite. The result renders as script-free HTML.
"""
import html
import posixpath
from dataclasses import dataclass
from typing import Optional

import pandas as pd

from kolena_lab.errors import NotFoundError
from kolena_lab.media import thumbnails
from kolena_lab.ui._table import bound_classes, member_frame, row_member, sample_keys, test_case_names
from kolena_lab.workflow import TestCase, TestSuite, Workflow

ACTIONS = ("create", "add", "remove")
_PREVIEW_THUMBS = 8
_PREVIEW_SIZE = 72


@dataclass
class CurationDiff:
    """What an action would change: the test case's size before and after, and the rows added and removed."""

    action: str
    test_case: str
    before: int
    added: pd.DataFrame
    removed: pd.DataFrame
    locator_column: str
    test_suite: Optional[str] = None
    description: str = ""
    members: Optional[pd.DataFrame] = None  # create over an existing test case (reset): the whole new membership

    @property
    def after(self) -> int:
        return self.before + len(self.added) - len(self.removed)

    @property
    def changes(self) -> bool:
        return self.action == "create" or bool(len(self.added) or len(self.removed))

    def summary(self) -> str:
        verb = {"create": "Create", "add": "Add to", "remove": "Remove from"}[self.action]
        suite = f"; then put it in test suite '{self.test_suite}'" if self.test_suite else ""
        return (f"{verb} test case '{self.test_case}': {len(self.added):,} added, {len(self.removed):,} removed, "
                f"{self.before:,} → {self.after:,} samples{suite}")

    def _thumbs(self, rows: pd.DataFrame, what: str) -> str:
        if rows.empty or not self.locator_column:
            return ""
        locators = [str(v) for v in rows[self.locator_column].head(_PREVIEW_THUMBS).tolist()]
        images = "".join(
            f'<figure style="display:inline-block;margin:2px;width:{_PREVIEW_SIZE}px;font-size:10px">'
            f'<img src="{t.data_url}" alt="{html.escape(loc)}" style="max-width:{_PREVIEW_SIZE}px;'
            f'max-height:{_PREVIEW_SIZE}px;display:block;margin:0"><figcaption style="margin:0;overflow:hidden;'
            f'text-overflow:ellipsis;white-space:nowrap">{html.escape(posixpath.basename(loc) or loc)}</figcaption>'
            '</figure>'
            for loc, t in zip(locators, thumbnails(locators, _PREVIEW_SIZE, format="JPEG"))
        )
        more = f" and {len(rows) - _PREVIEW_THUMBS:,} more" if len(rows) > _PREVIEW_THUMBS else ""
        return f"<div><em>{html.escape(what)} ({len(rows):,}{more}):</em><br>{images}</div>"

    def _repr_html_(self) -> str:
        return (f"<div><strong>{html.escape(self.summary())}</strong>"
                f"{self._thumbs(self.added, 'added')}{self._thumbs(self.removed, 'removed')}</div>")


@dataclass
class CurationResult:
    """A committed action: the new test case version, the suite version if one was changed, and the diff."""

    test_case: TestCase
    diff: CurationDiff
    test_suite: Optional[TestSuite] = None

    def summary(self) -> str:
        done = {"create": "Created", "add": "Added to", "remove": "Removed from"}[self.diff.action]
        text = (f"{done} test case '{self.test_case.name}' version {self.test_case.version}: "
                f"{len(self.diff.added):,} added, {len(self.diff.removed):,} removed, {self.diff.after:,} samples")
        if self.test_suite is not None:
            text += f"; test suite '{self.test_suite.name}' version {self.test_suite.version}"
        return text

    def _repr_html_(self) -> str:
        return (f'<div class="kolena-lab-curation" style="border-left:3px solid #1a7f37;padding:4px 8px">'
                f"<strong>{html.escape(self.summary())}</strong>"
                f"{self.diff._thumbs(self.diff.added, 'added')}{self.diff._thumbs(self.diff.removed, 'removed')}"
                "</div>")

    def __repr__(self) -> str:
        return self.summary()


def plan(workflow: Workflow, selection: pd.DataFrame, action: str, test_case: str, locator_column: str,
         description: str = "", test_suite: Optional[str] = None, reset: bool = False) -> CurationDiff:
    """The diff of applying ``action`` with the selected rows to the named test case.

    ``reset`` (create only): an existing test case of that name gets exactly the selection as a new version.
    """
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {', '.join(ACTIONS)}, got {action!r}")
    name = (test_case or "").strip()
    if not name:
        raise ValueError("give a test case name")
    suite = (test_suite or "").strip() or None
    case_cls, _ = bound_classes(workflow)
    empty = selection.iloc[0:0]
    if action == "create":
        if selection.empty:
            raise ValueError("select at least one sample to create a test case")
        if name not in test_case_names(workflow):
            return CurationDiff(action, name, 0, selection, empty, locator_column, suite, description)
        if not reset:
            raise ValueError(f"test case '{name}' already exists; add to it instead, or choose another name")
        existing = case_cls.load(name).to_dataframe()
        keys = sample_keys(selection, workflow, locator_column)
        old_keys = sample_keys(existing, workflow, locator_column)
        return CurationDiff(action, name, len(existing), selection[~keys.isin(set(old_keys)).to_numpy()],
                            existing[~old_keys.isin(set(keys)).to_numpy()], locator_column, suite, description,
                            members=selection)
    try:
        existing = case_cls.load(name).to_dataframe()
    except NotFoundError:
        raise ValueError(f"test case '{name}' does not exist") from None
    present = sample_keys(selection, workflow, locator_column).isin(
        set(sample_keys(existing, workflow, locator_column))).to_numpy()
    if action == "add":
        return CurationDiff(action, name, len(existing), selection[~present], empty, locator_column, suite)
    return CurationDiff(action, name, len(existing), empty, selection[present], locator_column, suite)


def commit(workflow: Workflow, diff: CurationDiff) -> CurationResult:
    """Apply a planned diff through the public workflow API."""
    case_cls, suite_cls = bound_classes(workflow)
    if diff.action == "create":
        reset = diff.members is not None
        case = case_cls.from_dataframe(diff.test_case, member_frame(diff.members if reset else diff.added, workflow),
                                       description=diff.description or None, reset=reset)
    else:
        case = case_cls.load(diff.test_case)
        if diff.changes:
            with case.edit() as editor:
                for row in diff.added.to_dict("records"):
                    editor.add(*row_member(row, workflow))
                for row in diff.removed.to_dict("records"):
                    editor.remove(row_member(row, workflow)[0])
    suite = None
    if diff.test_suite:
        suite = suite_cls(diff.test_suite)
        with suite.edit() as editor:
            editor.add(case)
        suite = suite_cls.load(diff.test_suite)
    return CurationResult(case, diff, suite)
