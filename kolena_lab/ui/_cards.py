"""What a table row shows in the sample grid: the sample (or its locator) to draw, its overlays, and its page item
(thumbnail, caption and a line of fields)."""
import posixpath
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from kolena_lab.media import FetchOptions, Overlay, collect_annotations, thumbnails
from kolena_lab.ui._sample_html import cell_text
from kolena_lab.ui._rows import GROUND_TRUTH, INFERENCE, added_column
from kolena_lab.workflow import Workflow, row_member


@dataclass(frozen=True)
class Cards:
    """Draws rows of a table whose samples are of ``workflow`` (if known) and located in ``locator_column``."""

    workflow: Optional[Workflow]
    locator_column: str
    overlays: bool
    fetch: FetchOptions

    def locator(self, row: Dict[str, Any]) -> str:
        return cell_text(row.get(self.locator_column)) if self.locator_column else ""

    def source(self, row: Dict[str, Any]) -> Tuple[Any, Optional[Overlay]]:
        """What to draw for a row (its test sample, else its locator) and its annotations to overlay."""
        source: Any = self.locator(row)
        if self.workflow is not None:
            try:
                source = row_member({k: v for k, v in row.items() if not added_column(k)}, self.workflow)[0]
            except ValueError:  # a row that is not a valid sample is still previewed by its locator
                pass
        overlay = None
        if self.overlays:
            gts = collect_annotations([v for k, v in row.items() if str(k).startswith(GROUND_TRUTH)])
            infs = collect_annotations([v for k, v in row.items() if str(k).startswith(INFERENCE)])
            if gts or infs:
                overlay = Overlay(ground_truths=gts, inferences=infs)
        return source, overlay

    def items(self, rows: List[Dict[str, Any]], positions: Sequence[int], captions: Sequence[str], size: int,
              show_thumbnails: bool) -> List[Dict[str, Any]]:
        """The grid's page items of ``rows`` (at ``positions`` in the table), captioned with the ``captions``
        fields; without thumbnails when ``show_thumbnails`` is false."""
        thumbs: List[Any] = [None] * len(rows)
        if show_thumbnails and rows:
            sources, overlays = zip(*map(self.source, rows))
            thumbs = thumbnails(list(sources), size, overlays=list(overlays), fetch=self.fetch)
        items = []
        for position, row, thumb in zip(positions, rows, thumbs):
            locator = self.locator(row)
            detail = " · ".join(f"{f.split('.')[-1]}: {cell_text(row.get(f))}" for f in dict.fromkeys(captions)
                                if f in row)
            items.append({"index": position, "locator": locator,
                          "caption": posixpath.basename(locator.rstrip("/")) or locator, "detail": detail,
                          "src": thumb.data_url if thumb is not None else "",
                          "error": (thumb.error or "") if thumb is not None else ""})
        return items
