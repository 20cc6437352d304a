"""Stress testing: operational domains, perturbations and the search for the ones that break a model.

``stress_test(model, test_case, domain)`` perturbs a test case's images along a domain's axes (random, grid or
optuna search), scores each perturbed sample against its clean parent and stores the failures as versioned test
cases; ``load_stress_results(name)`` reads a run back. albumentations and optuna (the ``stress`` extra) are imported
only when a transform or an optuna search runs.
"""
from kolena_lab.stress.corruptions import CORRUPTIONS
from kolena_lab.stress.domain import Axis, Domain, Parameter
from kolena_lab.stress.geometry import move_annotations
from kolena_lab.stress.results import StressResults, load_stress_results, stress_runs
from kolena_lab.stress.run import resolve_domain, stress_test
from kolena_lab.stress.search import SEARCHES, grid_points
from kolena_lab.stress.tasks import Task, resolve_task
from kolena_lab.stress.transforms import TRANSFORMS, Perturbed, apply

__all__ = [
    "Axis",
    "CORRUPTIONS",
    "Domain",
    "Parameter",
    "Perturbed",
    "SEARCHES",
    "StressResults",
    "TRANSFORMS",
    "Task",
    "apply",
    "grid_points",
    "load_stress_results",
    "move_annotations",
    "resolve_domain",
    "resolve_task",
    "stress_runs",
    "stress_test",
]
