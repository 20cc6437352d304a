"""Curation from a selection of samples: a new test case, or samples added to / removed from one, optionally put in
a test suite.

``preview_curation`` computes what an action would change (a :class:`CurationDiff`, samples matched by
``sample_id``) and ``apply_curation`` commits it through the public API: ``TestCase.from_dataframe`` for a new case,
``TestCase.edit()`` for additions and removals, ``TestSuite.edit()`` for the suite.
"""
import html
import posixpath
from dataclasses import dataclass
from typing import Optional

import pandas as pd

from kolena_lab.errors import NotFoundError
from kolena_lab.media import thumbnails
from kolena_lab.workflow import catalog
from kolena_lab.workflow.definition import bound_classes
from kolena_lab.workflow.samples import frame_sample_ids, members_frame, row_member
from kolena_lab.workflow.test_case import TestCase
from kolena_lab.workflow.test_suite import TestSuite
from kolena_lab.workflow.workflow import Workflow

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
    test_suite: Optional[str] = None
    description: str = ""
    members: Optional[pd.DataFrame] = None  # create over an existing test case (reset): the whole new membership
    locator_column: str = "locator"  # where the rows' locators are, for thumbnails in the HTML preview

    @property
    def after(self) -> int:
        return self.before + len(self.added) - len(self.removed)

    @property
    def changes(self) -> bool:
        """Whether applying it writes a new version: a new test case, or samples added or removed."""
        return (self.action == "create" and self.members is None) or bool(len(self.added) or len(self.removed))

    def summary(self) -> str:
        verb = {"create": "Create", "add": "Add to", "remove": "Remove from"}[self.action]
        suite = f"; then put it in test suite '{self.test_suite}'" if self.test_suite else ""
        return (f"{verb} test case '{self.test_case}': {len(self.added):,} added, {len(self.removed):,} removed, "
                f"{self.before:,} → {self.after:,} samples{suite}")

    def _repr_html_(self) -> str:
        return f"<div>{self._body(self.summary())}</div>"

    def _body(self, summary: str) -> str:
        """The summary and a few thumbnails of the added and removed samples, as script-free HTML."""
        return (f"<strong>{html.escape(summary)}</strong>"
                f"{self._thumbs(self.added, 'added')}{self._thumbs(self.removed, 'removed')}")

    def _thumbs(self, rows: pd.DataFrame, what: str) -> str:
        if rows.empty or self.locator_column not in rows.columns:
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
        shown = f", the first {_PREVIEW_THUMBS:,} shown" if len(rows) > _PREVIEW_THUMBS else ""
        return f"<div><em>{html.escape(what)} ({len(rows):,}{shown}):</em><br>{images}</div>"


@dataclass
class CurationResult:
    """A committed action: the new test case version, the suite version if one was changed, and the diff."""

    test_case: TestCase
    diff: CurationDiff
    test_suite: Optional[TestSuite] = None

    def summary(self) -> str:
        if not self.diff.changes:
            return (f"Test case '{self.test_case.name}' is unchanged at version {self.test_case.version} "
                    f"({self.diff.after:,} samples)")
        done = {"create": "Created", "add": "Added to", "remove": "Removed from"}[self.diff.action]
        text = (f"{done} test case '{self.test_case.name}' version {self.test_case.version}: "
                f"{len(self.diff.added):,} added, {len(self.diff.removed):,} removed, {self.diff.after:,} samples")
        if self.test_suite is not None:
            text += f"; test suite '{self.test_suite.name}' version {self.test_suite.version}"
        return text

    def _repr_html_(self) -> str:
        return (f'<div class="kolena-lab-curation" style="border-left:3px solid #1a7f37;padding:4px 8px">'
                f"{self.diff._body(self.summary())}</div>")

    def __repr__(self) -> str:
        return self.summary()


def preview_curation(workflow: Workflow, selection: pd.DataFrame, action: str, test_case: str,
                     description: str = "", test_suite: Optional[str] = None, reset: bool = False,
                     locator_column: str = "locator") -> CurationDiff:
    """What applying ``action`` (``create``, ``add`` or ``remove``) with the ``selection`` (a per-sample frame, e.g.
    rows of ``TestCase.to_dataframe()``) to the named test case would change, without changing anything. Its HTML
    shows thumbnails of the samples located in ``locator_column``.

    ``reset`` (create only): an existing test case of that name gets exactly the selection as a new version.
    """
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {', '.join(ACTIONS)}, got {action!r}")
    name = (test_case or "").strip()
    if not name:
        raise ValueError("give a test case name")
    suite = (test_suite or "").strip() or None
    case_cls = bound_classes(workflow)[0]
    empty = selection.iloc[0:0]
    if action == "create":
        if selection.empty:
            raise ValueError("select at least one sample to create a test case")
        if name not in {info.name for info in catalog.list_test_cases(workflow.name)}:
            return CurationDiff(action, name, 0, selection, empty, suite, description, locator_column=locator_column)
        if not reset:
            raise ValueError(f"test case '{name}' already exists; add to it instead, or choose another name")
        existing = case_cls.load(name).to_dataframe()
        ids, old_ids = frame_sample_ids(selection, workflow), frame_sample_ids(existing, workflow)
        return CurationDiff(action, name, len(existing), selection[~pd.Series(ids).isin(set(old_ids)).to_numpy()],
                            existing[~pd.Series(old_ids).isin(set(ids)).to_numpy()], suite, description,
                            members=selection, locator_column=locator_column)
    try:
        existing = case_cls.load(name).to_dataframe()
    except NotFoundError:
        raise ValueError(f"test case '{name}' does not exist") from None
    present = pd.Series(frame_sample_ids(selection, workflow)).isin(
        set(frame_sample_ids(existing, workflow))).to_numpy()
    if action == "add":
        return CurationDiff(action, name, len(existing), selection[~present], empty, suite,
                            locator_column=locator_column)
    return CurationDiff(action, name, len(existing), empty, selection[present], suite, locator_column=locator_column)


def apply_curation(workflow: Workflow, diff: CurationDiff) -> CurationResult:
    """Commit a previewed diff: a new test case version (unless nothing changes), then the suite if one is named."""
    case_cls, suite_cls, _ = bound_classes(workflow)
    if diff.action == "create" and diff.changes:
        reset = diff.members is not None
        members = members_frame(diff.members if reset else diff.added, workflow)
        case = case_cls.from_dataframe(diff.test_case, members, description=diff.description or None, reset=reset)
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


__all__ = ["ACTIONS", "CurationDiff", "CurationResult", "apply_curation", "preview_curation"]
