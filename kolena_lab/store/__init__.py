"""Persistence behind a narrow interface: SQLAlchemy Core on a SQLite file or a PostgreSQL server."""
from kolena_lab.store import models, results, samples, test_cases, test_suites, workflows
from kolena_lab.store.store import ENV_URL, Store, default_url, get_store, initialize

__all__ = [
    "ENV_URL",
    "Store",
    "default_url",
    "get_store",
    "initialize",
    "models",
    "results",
    "samples",
    "test_cases",
    "test_suites",
    "workflows",
]
