"""connect(): library versions that differ on a worker, and a SQLite store the workers cannot see, are refused with
a clear ClusterError before any work."""
import pytest

import kolena_lab
from kolena_lab.errors import ClusterError
from kolena_lab.workflow import TestRun, executor, test

from . import _workflow as w


def _report_other_numpy() -> None:
    import distributed.versions

    real = distributed.versions._version_cached
    distributed.versions._real_version_cached = real

    def patched(package: str):
        return "0.0.0-other" if package == "numpy" else real(package)

    distributed.versions._version_cached = patched


def _report_real_versions() -> None:
    import distributed.versions

    distributed.versions._version_cached = distributed.versions._real_version_cached


def test_mismatched_library_versions_are_reported(sqlite_store, client):
    assert executor.connect(client) is client
    client.run(_report_other_numpy)
    try:
        with pytest.raises(ClusterError, match=r"other library versions(.|\n)*numpy(.|\n)*0\.0\.0-other"):
            executor.connect(client)
    finally:
        client.run(_report_real_versions)
    assert executor.connect(client) is client


def test_a_sqlite_file_the_workers_cannot_see_is_refused(tmp_path, monkeypatch, client):
    monkeypatch.chdir(tmp_path)  # the workers' working directory is another one: /proc/self/cwd differs
    store = kolena_lab.initialize(url="sqlite:////proc/self/cwd/lab.db")
    try:
        suite = w.suite("unseen", 20)
        model = w.Model("unseen", infer=w.predict)
        with pytest.raises(ClusterError, match=r"cannot open the store(.|\n)*cannot see the SQLite file "
                                               r"/proc/self/cwd/lab.db(.|\n)*PostgreSQL"):
            test(model, suite, w.evaluate, executor=client)
        assert TestRun(model, suite, w.evaluate).plan().reused == 0
    finally:
        store.dispose()


def test_the_environment_names_the_default_cluster(sqlite_store, cluster, monkeypatch):
    assert executor.connect() is None
    monkeypatch.setenv(executor.ENV_DASK, cluster.scheduler_address)
    client = executor.connect()
    assert client is not None and client.scheduler.address == cluster.scheduler_address
    assert executor.connect() is client  # one client per address, reused
    with pytest.raises(ClusterError, match="executor must be a distributed.Client"):
        executor.connect(42)


def test_the_current_client_comes_before_the_environment(sqlite_store, client, monkeypatch):
    monkeypatch.setenv(executor.ENV_DASK, "tcp://127.0.0.1:1")  # unreachable: connecting to it would fail
    with executor.using(client):
        assert executor.connect() is client
    with pytest.raises(ClusterError, match="cannot reach the Dask scheduler"):
        executor.connect()
