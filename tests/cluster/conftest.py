"""A 2-process local Dask cluster for the session, with BLAS pinned to one thread a worker."""
import os
from typing import Iterator

import pytest

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="session")
def cluster() -> Iterator["distributed.LocalCluster"]:
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  worker_dashboard_address=None,
                                  silence_logs=40) as cluster:
        yield cluster


@pytest.fixture
def client(cluster: "distributed.LocalCluster") -> Iterator["distributed.Client"]:
    with distributed.Client(cluster) as client:
        client.wait_for_workers(2, timeout=60)
        yield client
