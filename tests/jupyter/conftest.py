"""A real Jupyter server (pytest-jupyter) with the kolena_lab extension, reading the test's store."""
import json
from typing import Any, Dict, Optional, Tuple
from urllib.parse import quote, urlencode

import pytest
from jupyter_server.utils import url_path_join
# pytest-jupyter's fixtures and hooks, for this folder only: its autouse event-loop fixture must not run beside the
# browser tests, whose Playwright keeps an event loop running in the main thread.
from pytest_jupyter.jupyter_server import *  # noqa: F401,F403


@pytest.fixture
def jp_server_config(lab):
    """Load the extension and point it at the test's store (SQLite, or PostgreSQL when marked)."""
    return {"ServerApp": {"jpserver_extensions": {"kolena_lab.jupyter": True}},
            "KolenaLabApp": {"store_url": lab.url, "lock_timeout": 0.5}}


@pytest.fixture
def api(jp_serverapp, http_server_client, jp_auth_header, jp_base_url):
    """``await api(path, **params)``: ``(status, JSON)`` of an API route; ``path`` segments are URL-encoded
    (pass a tuple), ``auth=False`` sends no token, ``method``/``body`` for other verbs."""

    async def call(path: Any, method: str = "GET", body: Optional[str] = None, auth: bool = True,
                   headers: Optional[Dict[str, str]] = None, **params: Any) -> Tuple[int, Any]:
        segments = path if isinstance(path, tuple) else (path,)
        encoded = "/".join(quote(str(s), safe="") for s in segments)
        url = url_path_join(jp_base_url, "kolena-lab/api", encoded)
        if params:
            url += "?" + urlencode(params)
        sent = {**(jp_auth_header if auth else {}), **(headers or {})}
        response = await http_server_client.fetch(url, method=method, body=body, headers=sent, raise_error=False,
                                                  follow_redirects=False)
        call.texts.append(response.body.decode("utf-8", errors="replace"))
        content_type = response.headers.get("Content-Type", "")
        data = json.loads(response.body) if "json" in content_type and response.body else None
        return response.code, data

    call.texts = []
    return call


@pytest.fixture
def lab(sqlite_store):
    """The server tests run on a SQLite store: their PostgreSQL variants errored in setup in a full run."""
    return sqlite_store
