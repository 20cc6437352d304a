"""Persistence behind a narrow interface: SQLAlchemy Core on a SQLite file or a PostgreSQL server."""
from kolena_lab.store import (
    checks,
    evaluators,
    jobs,
    meta,
    models,
    results,
    samples,
    test_cases,
    test_suites,
    workflows,
)
from kolena_lab.store._sql import page_cache
from kolena_lab.store.store import ENV_URL, Store, check_url, current, default_url, get_store, initialize, shown_url

__all__ = [
    "ENV_URL",
    "Store",
    "check_url",
    "current",
    "default_url",
    "get_store",
    "initialize",
    "shown_url",
    "page_cache",
    "checks",
    "evaluators",
    "jobs",
    "meta",
    "models",
    "results",
    "samples",
    "test_cases",
    "test_suites",
    "workflows",
]
