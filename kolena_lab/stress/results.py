"""What a stress test found: per-perturbation rows, robustness curves with bootstrap bands, per-axis vulnerability,
mPC / rPC for corruption domains, the worst perturbations, a figure, and the stored test cases and suite.

A run is reloaded by name with ``load_stress_results(name)``: its record is the JSON description of the test case
``"<name>: worst 5%"`` and its rows a Parquet file under the store's media folder (``stress/runs/``).
"""
import hashlib
import json
import math
from pathlib import Path
from typing import Any, Dict, List

import numpy as np
import pandas as pd

from kolena_lab.errors import IncorrectUsageError, NotFoundError, shown
from kolena_lab.workflow import catalog
from kolena_lab.workflow.definition import bound_classes
from kolena_lab.workflow.workflow import find_workflow

_RECORD = "kolena_lab.stress"
WORST = "worst 5%"
BINS = 10
BOOTSTRAP = 1000


def record_key() -> str:
    """The key of a run's record in its test case description."""
    return _RECORD


def rows_path(folder: Path, name: str) -> Path:
    """The Parquet file holding the rows of the run ``name`` (named by the sha256 of the name)."""
    runs = folder / "stress" / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    return runs / f"{hashlib.sha256(name.encode()).hexdigest()}.parquet"


class StressResults:
    """The results of ``stress_test`` (or ``load_stress_results``).

    ``record`` holds the run's arguments (model, test case, domain, search, budget, seed, metric and thresholds) and
    ``clean``, the mean score of the clean samples; ``test_cases`` are the stored ``"<name>: <axis>"`` test cases
    (failures per axis) and ``"<name>: worst 5%"``, ``suite`` the suite holding them and the original test case
    (loaded by a process that has not defined the workflow: their ``catalog`` records).
    """

    def __init__(self, name: str, record: Dict[str, Any], rows: pd.DataFrame, test_cases: List[Any], suite: Any):
        self.name, self.record, self._rows = name, record, rows
        self.test_cases, self.suite = test_cases, suite

    def __repr__(self) -> str:
        return (f"StressResults({self.name!r}: model {self.record['model']!r}, {len(self._rows)} perturbations, "
                f"{int(self._rows['failure'].sum())} failures)")

    @property
    def clean(self) -> float:
        """The mean score of the clean samples."""
        return float(self.record["clean"])

    @property
    def higher_is_better(self) -> bool:
        return bool(self.record["higher_is_better"])

    def to_dataframe(self) -> pd.DataFrame:
        """One row per perturbed sample: ``parent`` (locator), ``axis``, ``params`` (dict), a ``param.<name>``
        column per parameter, ``seed``, ``step``, ``score``, ``clean_score``, ``drop`` (how much worse than the
        parent), ``failure`` and ``locator`` (the perturbed image)."""
        frame = self._rows.copy()
        params = [json.loads(p) for p in frame["params"]]
        frame["params"] = params
        names = list(dict.fromkeys(k for p in params for k in p))
        position = frame.columns.get_loc("params") + 1
        for offset, key in enumerate(names):
            frame.insert(position + offset, f"param.{key}", [p.get(key) for p in params])
        return frame

    def _parameters(self, axis: str) -> List[Dict[str, Any]]:
        found = next((a for a in self.record["domain"]["axes"] if a["name"] == axis), None)
        return [] if found is None else [{"name": k, **v} for k, v in found["parameters"].items()]

    def curves(self, bins: int = BINS, n_bootstrap: int = BOOTSTRAP, seed: int = 0) -> pd.DataFrame:
        """The score along each parameter of each axis: per bin (``bins`` equal bins over a range, one per value of
        choices) the mean score with a bootstrap 95% interval (``n_bootstrap`` resamples, seeded), and the count.
        Columns: axis, parameter, x (bin centre or choice), mean, low, high, n."""
        frame = self.to_dataframe()
        rng = np.random.default_rng(seed)
        out = []
        for axis in self.record["domain"]["axes"]:
            rows = frame[frame["axis"] == axis["name"]]
            for parameter in self._parameters(axis["name"]):
                values = rows[f"param.{parameter['name']}"].to_numpy(dtype=float) if len(rows) else np.empty(0)
                scores = rows["score"].to_numpy(dtype=float)
                for x, mask in _bins(values, parameter, bins):
                    if not mask.any():
                        continue
                    mean, low, high = _bootstrap(scores[mask], n_bootstrap, rng)
                    out.append({"axis": axis["name"], "parameter": parameter["name"], "x": x, "mean": mean,
                                "low": low, "high": high, "n": int(mask.sum())})
        return pd.DataFrame(out, columns=["axis", "parameter", "x", "mean", "low", "high", "n"])

    def vulnerability(self) -> pd.DataFrame:
        """Per axis: n, mean score, mean drop and failure rate, the most damaging axis first (by mean drop, then
        failure rate)."""
        frame = self._rows
        table = frame.groupby("axis", sort=False).agg(n=("score", "size"), mean_score=("score", "mean"),
                                                       mean_drop=("drop", "mean"), failure_rate=("failure", "mean"))
        table = table.reset_index().sort_values(["mean_drop", "failure_rate", "axis"], ascending=[False, False, True],
                                                kind="stable")
        return table.reset_index(drop=True)

    def _severities(self) -> pd.DataFrame:
        axes = self.record["domain"]["axes"]
        if not axes or any(list(a["parameters"]) != ["severity"] for a in axes):
            raise IncorrectUsageError(f"mPC and rPC need a corruption domain (one parameter 'severity' per axis); "
                                      f"domain '{self.record['domain']['name']}' is not one")
        frame = self.to_dataframe()
        means = frame.groupby(["axis", "param.severity"])["score"].mean()
        wanted = [(a["name"], s) for a in axes for s in a["parameters"]["severity"]["choices"]]
        missing = [pair for pair in wanted if pair not in means.index]
        if missing:
            raise IncorrectUsageError(f"mPC needs every corruption at every severity; {len(missing)} are missing, "
                                      f"e.g. {missing[0][0]} at severity {missing[0][1]}: run with search='grid' "
                                      f"and a budget of at least {len(wanted)}")
        return means

    def mpc(self) -> float:
        """Mean performance under corruption (Hendrycks & Dietterich 2019; Michaelis et al. 2019): the mean over the
        corruptions of the mean over severities 1-5 of the mean score."""
        means = self._severities()
        return float(means.groupby(level=0).mean().mean())

    def rpc(self) -> float:
        """Relative performance under corruption: ``mpc() / clean``."""
        if self.clean == 0:
            raise IncorrectUsageError("rPC is undefined: the clean score is 0")
        return self.mpc() / self.clean

    def worst(self, n: int = 10) -> pd.DataFrame:
        """The ``n`` perturbations with the largest drop (as ``to_dataframe()`` rows)."""
        frame = self.to_dataframe()
        return frame.sort_values("drop", ascending=False, kind="stable").head(n).reset_index(drop=True)

    def figure(self, bins: int = BINS) -> Any:
        """A plotly figure: per axis (its first parameter) the mean score by bin with its 95% band, and the clean
        score as a dashed line."""
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots

        curves = self.curves(bins)
        axes = [a["name"] for a in self.record["domain"]["axes"]]
        columns = min(3, max(1, len(axes)))
        fig = make_subplots(rows=math.ceil(len(axes) / columns), cols=columns, subplot_titles=axes)
        for i, axis in enumerate(axes):
            row, col = i // columns + 1, i % columns + 1
            parameters = self._parameters(axis)
            if not parameters:
                continue
            curve = curves[(curves["axis"] == axis) & (curves["parameter"] == parameters[0]["name"])]
            x = curve["x"].tolist()
            fig.add_trace(go.Scatter(x=x + x[::-1], y=curve["high"].tolist() + curve["low"].tolist()[::-1],
                                     fill="toself", line={"width": 0}, opacity=0.25, showlegend=False,
                                     hoverinfo="skip", name=f"{axis} 95%"), row=row, col=col)
            fig.add_trace(go.Scatter(x=x, y=curve["mean"].tolist(), mode="lines+markers", showlegend=False,
                                     name=axis), row=row, col=col)
            fig.add_hline(y=self.clean, line_dash="dash", row=row, col=col)
            fig.update_xaxes(title_text=parameters[0]["name"], row=row, col=col)
        if len(curves):  # one score scale for every axis, so their drops compare at a glance
            low = min(float(curves["low"].min()), self.clean)
            high = max(float(curves["high"].max()), self.clean)
            pad = 0.05 * (high - low) or 0.05 * abs(high) or 0.05
            fig.update_yaxes(range=[low - pad, high + pad])
        fig.update_layout(title=f"Stress test '{self.name}': {self.record['metric']} of model "
                                f"'{self.record['model']}'", height=300 * math.ceil(len(axes) / columns),
                          width=320 * columns + 80)
        return fig

    def summary(self) -> Dict[str, Any]:
        """JSON-able: the record, counts, the vulnerability table, and mPC / rPC when the domain has them."""
        out: Dict[str, Any] = {"name": self.name, **self.record, "n_perturbations": len(self._rows),
                               "n_failures": int(self._rows["failure"].sum()),
                               "vulnerability": self.vulnerability().to_dict("records")}
        try:
            out["mpc"], out["rpc"] = self.mpc(), self.rpc()
        except IncorrectUsageError:
            pass
        return out


def _bins(values: np.ndarray, parameter: Dict[str, Any], bins: int) -> List[Any]:
    if "choices" in parameter:
        return [(c, values == float(c)) for c in parameter["choices"]]
    low, high = float(parameter["low"]), float(parameter["high"])
    if high == low:
        return [(low, np.ones(len(values), dtype=bool))]
    edges = np.linspace(low, high, bins + 1)
    index = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, bins - 1)
    return [(float((edges[b] + edges[b + 1]) / 2), index == b) for b in range(bins)]


def _bootstrap(scores: np.ndarray, n: int, rng: np.random.Generator) -> tuple:
    mean = float(scores.mean())
    if len(scores) == 1:
        return mean, mean, mean
    resampled = scores[rng.integers(len(scores), size=(n, len(scores)))].mean(axis=1)
    low, high = np.percentile(resampled, [2.5, 97.5])
    return mean, float(low), float(high)


def load_stress_results(name: str) -> StressResults:
    """The results of the stress test run ``name`` (the ``name`` it was run with), from the store and its media
    folder."""
    worst_name = f"{name}: {WORST}"
    try:
        info = catalog.test_case_info(worst_name)
    except NotFoundError:
        raise NotFoundError(f"no stress test named {shown(name)} (its test case {shown(worst_name)} does not "
                            "exist)") from None
    try:
        record = json.loads(info.description)[_RECORD]
    except (ValueError, TypeError, KeyError):
        raise NotFoundError(f"test case {shown(worst_name)} holds no stress test record") from None
    path = rows_path(catalog.media_folder(), name)
    if not path.exists():
        raise NotFoundError(f"the rows of stress test {shown(name)} are missing ({path}): run it again with the same "
                            "arguments to rebuild them (stored inferences are reused)")
    rows = pd.read_parquet(path)
    names = [f"{name}: {a['name']}" for a in record["domain"]["axes"]] + [worst_name]
    workflow = find_workflow(record["workflow"])
    if workflow is None:  # e.g. the command line: the stored records
        return StressResults(name, record, rows, [catalog.test_case_info(n) for n in names],
                             catalog.test_suite_info(record["suite"]))
    test_case_type, suite_type, _ = bound_classes(workflow)
    return StressResults(name, record, rows, [test_case_type.load(n) for n in names],
                         suite_type.load(record["suite"]))


def stress_runs() -> List[str]:
    """The names of the stress test runs in the store."""
    suffix = f": {WORST}"
    return [info.name[:-len(suffix)] for info in catalog.list_test_cases() if info.name.endswith(suffix)
            and _RECORD in info.description]
