"""Automatic evaluation: evaluators registered per workflow run as jobs whenever test cases or suites change.

Curating (a new test case version, a new suite version) queues jobs in the store, in the same transaction: the
trigger policy (``triggers``) is registered with ``kolena_lab.workflow.hooks`` when this package is imported. A
worker (``start_worker()`` in a kernel, or ``kolena-lab worker``) runs them in subprocesses, or as tasks on a Dask
cluster (``start_worker(dask=...)``, ``kolena-lab worker --dask ADDRESS``: ``ClusterWorker``). ``jobs()``,
``get_job()`` and ``wait_for_jobs()`` are what a view polls to show job status.
"""
from kolena_lab.automation import triggers
from kolena_lab.automation.job import STATUSES, Job, cancel_job, get_job, jobs, queue_evaluation, wait_for_jobs
from kolena_lab.automation.registry import (
    DEFAULT_TIMEOUT,
    RegisteredEvaluator,
    format_timeout,
    get_evaluator,
    list_evaluators,
    parse_timeout,
    register_evaluator,
)
from kolena_lab.automation.background import start_worker, stop_worker
from kolena_lab.automation.worker import Worker
from kolena_lab.automation.cluster_worker import ClusterWorker
from kolena_lab.workflow._secrets import REDACTED, redact

__all__ = [
    "ClusterWorker",
    "DEFAULT_TIMEOUT",
    "Job",
    "REDACTED",
    "STATUSES",
    "RegisteredEvaluator",
    "Worker",
    "cancel_job",
    "format_timeout",
    "get_evaluator",
    "get_job",
    "jobs",
    "list_evaluators",
    "parse_timeout",
    "queue_evaluation",
    "redact",
    "register_evaluator",
    "start_worker",
    "stop_worker",
    "triggers",
    "wait_for_jobs",
]
