"""Where compute runs: in this process, or on a Dask cluster.

``connect()`` turns what a user passes as ``executor=`` (a ``distributed.Client``, a ``LocalCluster``, a scheduler
address) or sets in ``KOLENA_LAB_DASK`` into a checked client: the workers run the same versions of the libraries
that shape results, and can open the current store. ``using(client)`` makes it the client of the work inside it
(``current_client()``), so code below — the ready evaluators — can map its per-sample work over the cluster without
being passed the client. Dask is imported only when a cluster is used.
"""
import contextlib
import contextvars
import logging
import os
import socket
import threading
from typing import Any, Dict, Iterator, List, Optional, Tuple

from kolena_lab import store
from kolena_lab.errors import ClusterError, KolenaError, shown
from kolena_lab.store.store import database_file

ENV_DASK = "KOLENA_LAB_DASK"
# Libraries whose version can change a stored result or the bytes sent between client and workers.
CHECKED_PACKAGES = ("kolena_lab", "numpy", "pandas", "pydantic", "sqlalchemy", "pyarrow")
_clients: Dict[str, Any] = {}  # a client per scheduler address connected by address, reused while it runs
_clients_lock = threading.Lock()
_current: contextvars.ContextVar[Optional[Any]] = contextvars.ContextVar("kolena_lab_dask_client", default=None)


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ClusterError("running on a Dask cluster needs dask.distributed: pip install 'kolena_lab[cluster]'") \
            from None
    return distributed


def connect(executor: Any = None) -> Optional[Any]:
    """A checked ``distributed.Client`` for ``executor`` (a client, a cluster or a scheduler address), else the
    client current in ``using``, else ``KOLENA_LAB_DASK``'s; None when there is none (work runs in this process).

    Raises ``ClusterError`` when the scheduler cannot be reached, a worker runs other versions of the checked
    libraries, or a worker cannot open the current store (a SQLite file on another machine)."""
    if executor is None:
        executor = current_client() or os.environ.get(ENV_DASK) or None
        if executor is None:
            return None
    distributed = _distributed()
    if isinstance(executor, distributed.Client):
        client = executor
    elif isinstance(executor, str) or hasattr(executor, "scheduler_address"):
        client = _client_for(distributed, executor if isinstance(executor, str) else executor.scheduler_address)
    else:
        raise ClusterError(f"executor must be a distributed.Client, a Dask cluster or a scheduler address, not "
                           f"{type(executor).__name__}")
    check_versions(client)
    check_store(client)
    return client


def _client_for(distributed: Any, address: str) -> Any:
    """The client of the scheduler at ``address``: the one connected before while it runs, else a new one."""
    with _clients_lock:
        client = _clients.get(address)
        if client is not None and client.status == "running":
            return client
        try:
            with _quiet("distributed.client"):  # its own traceback of a refused connection says nothing more
                client = distributed.Client(address, timeout="10s", set_as_default=False)
        except (OSError, TimeoutError, ValueError) as e:
            raise ClusterError(f"cannot reach the Dask scheduler at {shown(address)}: {e}") from None
        _clients[address] = client
        return client


@contextlib.contextmanager
def _quiet(logger: str) -> Iterator[None]:
    log = logging.getLogger(logger)
    level = log.level
    log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        log.setLevel(level)


def check_versions(client: Any) -> None:
    """Raise ``ClusterError`` naming each package, this process's version and the workers' versions when a worker
    runs other versions of Python, Dask's own required packages or ``CHECKED_PACKAGES`` than this process."""
    from distributed.versions import required_packages

    packages = ["python", *required_packages, *CHECKED_PACKAGES]
    reported = client.get_versions(packages=list(CHECKED_PACKAGES))
    mine = reported["client"]["packages"]
    problems = []
    for package in packages:
        theirs: Dict[str, List[str]] = {}
        for address, info in sorted(reported["workers"].items()):
            version = info.get("packages", {}).get(package, "unknown") if isinstance(info, dict) else "unknown"
            if version != mine.get(package):
                theirs.setdefault(str(version), []).append(address)
        if theirs:
            listed = "; ".join(f"{version} on {', '.join(addresses)}" for version, addresses in theirs.items())
            problems.append(f"{package} {mine.get(package)} here, {listed}")
    if problems:
        raise ClusterError("the Dask workers run other library versions than this process: " + " | ".join(problems)
                           + " — install the same versions on the workers (e.g. one image for notebooks and workers)")


def _probe_store(url: str, client_file: Optional[Tuple[int, int]]) -> Optional[str]:
    """On a worker: why it cannot open the store at ``url``, or None when it can."""
    host = socket.gethostname()
    if client_file is not None:
        path = database_file(url)
        try:
            stat = os.stat(path)
        except OSError:
            return f"worker on {host} cannot see the SQLite file {path}"
        if (stat.st_dev, stat.st_ino) != client_file:
            return f"worker on {host} sees another file at {path}"
        return None
    try:
        worker_store(url)
    except KolenaError as e:
        return f"worker on {host} cannot open the store: {e}"
    return None


def check_store(client: Any) -> None:
    """Raise ``ClusterError`` unless every worker can open the current store: the same SQLite file (workers on this
    machine) or the PostgreSQL database."""
    current = store.get_store()
    client_file = None
    if current.is_sqlite:
        stat = os.stat(current.database_path)
        client_file = (stat.st_dev, stat.st_ino)
    problems = {address: problem for address, problem in
                client.run(_probe_store, current.url, client_file).items() if problem}
    if problems:
        listed = "; ".join(f"{address}: {problem}" for address, problem in sorted(problems.items()))
        hint = (" — a SQLite store is a file on this machine: point notebooks and workers at one PostgreSQL store "
                "(KOLENA_LAB_URL=postgresql+psycopg://...)" if current.is_sqlite else "")
        raise ClusterError(f"the Dask workers cannot open the store {current.display_url}: {listed}{hint}")


def worker_store(url: str) -> "store.Store":
    """The store at ``url`` in this (worker) process: the current one when it is that store, else opened once."""
    current = store.current()
    if current is not None and current.url == url:
        return current
    return store.initialize(url=url)


@contextlib.contextmanager
def using(client: Optional[Any]) -> Iterator[Optional[Any]]:
    """Make ``client`` the cluster of the work inside (None: this process)."""
    token = _current.set(client)
    try:
        yield client
    finally:
        _current.reset(token)


def current_client() -> Optional[Any]:
    """The Dask client of the work in progress (``using``), or None when it runs in this process."""
    return _current.get()


__all__ = ["CHECKED_PACKAGES", "ENV_DASK", "check_store", "check_versions", "connect", "current_client", "using",
           "worker_store"]
