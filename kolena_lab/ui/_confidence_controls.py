"""The sample browser's confidence control: a slider that sets the threshold overlays are drawn at (the evaluator's
operating point by default) and the test case's precision, recall and F1 there, recomputed live from one matching."""
import html
from typing import Any, Optional

import ipywidgets as w

from kolena_lab.media.overlays import MinScore
from kolena_lab.ui._confidence import Counts, LiveDetection, OperatingPoint, live_detection, operating_point
from kolena_lab.ui._sample_html import number_text

PROBE_ROWS = 200


class ConfidenceControls:
    """What the browser's confidence row does; the browser provides ``table``, ``_configuration``, ``_sync``,
    ``_guard``, ``_render_page``, ``show_details`` and ``_detail_position``."""

    _threshold: Optional[float] = None
    _detail_position: Optional[int] = None
    _configuration: Any = None

    def _measure_live(self, with_model: bool) -> None:
        """Match the table's detections once and find the evaluator's operating point (with a model's results).

        The first ``PROBE_ROWS`` rows tell whether there are scored detections at all, so a table of another kind
        (classification, say, of a million rows) costs nothing here."""
        frame = self.table.frame
        head = frame.iloc[:PROBE_ROWS].to_dict("records") if with_model else []
        probe = live_detection(head, self._configuration) if head else None
        rows = (head if len(frame) <= PROBE_ROWS else frame.to_dict("records")) if probe is not None else []
        self.live: Optional[LiveDetection] = (probe if rows is head else live_detection(rows, self._configuration)) \
            if rows else None
        self.operating_point: OperatingPoint = operating_point(rows if self.live is not None else [],
                                                               self._configuration)

    def _build_confidence_controls(self) -> None:
        self.confidence_slider = w.FloatSlider(
            value=self.operating_point.lowest(), min=0.0, max=1.0, step=0.01, readout_format=".2f",
            description="Confidence ≥", continuous_update=False, style={"description_width": "auto"},
            layout=w.Layout(width="340px"))
        self.operating_point_button = w.Button(description="Evaluator's operating point", layout=w.Layout(width="auto"),
                                               tooltip="Show the threshold the evaluator's metrics used")
        self.live_metrics_label = w.HTML()
        self.live_metrics_label.add_class("kl-live-metrics")
        self.confidence_row = w.Box([self.confidence_slider, self.operating_point_button, self.live_metrics_label],
                                    layout=w.Layout(flex_flow="row wrap", align_items="center", grid_gap="4px"))
        self.confidence_slider.observe(lambda c: self._guard(self.set_confidence_threshold, c["new"]), names="value")
        self.operating_point_button.on_click(lambda _: self._guard(self.set_confidence_threshold, None))
        self._refresh_confidence()

    @property
    def confidence_threshold(self) -> MinScore:
        """The threshold overlays are drawn at: the slider's, else the evaluator's operating point."""
        return self._threshold if self._threshold is not None else self.operating_point.threshold

    def set_confidence_threshold(self, threshold: Optional[float]) -> "ConfidenceControls":
        """Draw the inferences scored at least ``threshold`` (None: the evaluator's operating point) and show the test
        case's precision, recall and F1 there."""
        if threshold is not None and not 0 <= float(threshold) <= 1:
            raise ValueError(f"a confidence threshold is in [0, 1], got {threshold!r}")
        self._threshold = None if threshold is None else float(threshold)
        self._refresh_confidence()
        self._render_page()
        if self._detail_position is not None:
            self.show_details(self._detail_position)
        return self

    def live_metrics(self) -> Optional[Counts]:
        """The test case's TP / FP / FN (and precision, recall, F1) at the confidence threshold; None without
        scored detections."""
        return self.live.counts(self.confidence_threshold) if self.live is not None else None

    def _threshold_text(self) -> str:
        if self._threshold is not None:
            return f"confidence {number_text(self._threshold)}"
        return f"the evaluator's operating point ({self.operating_point.describe()})"

    def _refresh_confidence(self) -> None:
        if getattr(self, "confidence_row", None) is None:
            return
        self.confidence_row.layout.display = "" if self.live is not None else "none"
        if self._threshold is None:
            self._sync(self.confidence_slider, self.operating_point.lowest())
        self.operating_point_button.disabled = self._threshold is None
        counts = self.live_metrics()
        if counts is None:
            self.live_metrics_label.value = ""
            return
        at = (f"confidence ≥ {self._threshold:.2f}" if self._threshold is not None
              else f"the evaluator's operating point ({self.operating_point.describe()})")
        self.live_metrics_label.value = (
            f'<span class="kl-live" aria-live="polite" data-precision="{counts.precision:.6f}" '
            f'data-recall="{counts.recall:.6f}" data-f1="{counts.f1:.6f}" '
            f'title="From {html.escape(self.operating_point.source)}; '
            f'every sample of the table">Test case at {html.escape(at)}: <b>precision {counts.precision:.3f}</b> · '
            f"<b>recall {counts.recall:.3f}</b> · <b>F1 {counts.f1:.3f}</b> "
            f"(TP {counts.tp:,} · FP {counts.fp:,} · FN {counts.fn:,})</span>")
