"""A store that is missing, corrupt, locked or unreachable answers 503 with a clear message; the settings route
chooses the store; a failing extension never stops the server."""
import json
import sqlite3

import pytest

import kolena_lab
from kolena_lab.jupyter import app as extension_app

from ..integration import _classification as c


@pytest.fixture
def broken(request):
    return getattr(request, "param", False)


@pytest.fixture
def jp_server_config(tmp_path, monkeypatch, broken):
    """A server whose store is chosen per test through the settings route (at first: a file that does not exist)."""
    monkeypatch.delenv("KOLENA_LAB_URL", raising=False)
    if broken:
        def fail(*_args, **_kwargs):
            raise RuntimeError("the extension broke while loading")

        monkeypatch.setattr(extension_app, "ThreadPoolExecutor", fail)
    return {"ServerApp": {"jpserver_extensions": {"kolena_lab.jupyter": True}},
            "KolenaLabApp": {"store_url": f"sqlite:///{tmp_path / 'missing' / 'lab.db'}", "lock_timeout": 0.5}}


async def _use(api, url):
    status, body = await api("settings", method="PUT", body=json.dumps({"store_url": url}))
    assert status == 200, body
    return body


async def test_a_missing_store_is_a_503_and_is_not_created(api, tmp_path):
    status, body = await api("test-cases")
    assert status == 503 and "there is no store at" in body["error"] and "missing" in body["error"]
    assert not (tmp_path / "missing").exists()
    status, settings = await api("settings")
    assert status == 200 and settings["store_url"].endswith("missing/lab.db")


async def test_settings_choose_the_store(api, tmp_path):
    url = f"sqlite:///{tmp_path / 'real.db'}"
    kolena_lab.initialize(url=url).dispose()
    c.TestCase("cats", test_samples=c.members(2))
    assert await _use(api, url) == {"store_url": url, "refresh_interval_s": 3.0}
    _, cases = await api("test-cases")
    assert [t["name"] for t in cases["items"]] == ["cats"]
    status, settings = await api("settings", method="PUT", body=json.dumps({"refresh_interval_s": 10}))
    assert status == 200 and settings == {"store_url": url, "refresh_interval_s": 10.0}
    status, settings = await api("settings", method="PUT", body=json.dumps({"store_url": None}))
    assert status == 200 and settings["store_url"] is None
    status, body = await api("store")  # the default: .kolena_lab/lab.db under the server's root, not there yet
    assert status == 503 and ".kolena_lab" in body["error"]


@pytest.mark.parametrize("body, parameter", [
    ({"store_url": "mysql://somewhere/db"}, "store_url"),
    ({"store_url": 42}, "store_url"),
    ({"store_url": "not a url"}, "store_url"),
    ({"refresh_interval_s": 0}, "refresh_interval_s"),
    ({"refresh_interval_s": "fast"}, "refresh_interval_s"),
    ([1, 2], "body"),
    ("{not json", "body"),
])
async def test_bad_settings_answer_400(api, body, parameter):
    before = (await api("settings"))[1]
    status, answer = await api("settings", method="PUT", body=body if isinstance(body, str) else json.dumps(body))
    assert status == 400 and answer["parameter"] == parameter
    assert (await api("settings"))[1] == before


async def test_a_corrupt_store_is_a_503(api, tmp_path):
    path = tmp_path / "corrupt.db"
    path.write_bytes(b"this is not a database file " * 200)
    await _use(api, f"sqlite:///{path}")
    status, body = await api("workflows")
    assert status == 503 and "corrupt" in body["error"]


async def test_a_locked_store_is_a_503(api, tmp_path):
    path = tmp_path / "locked.db"
    kolena_lab.initialize(url=f"sqlite:///{path}", lock_timeout=0.5).dispose()  # the store this process uses
    holder = sqlite3.connect(path)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        await _use(api, f"sqlite:///{path}")
        status, body = await api("test-cases")
        assert status == 503 and "locked" in body["error"]
    finally:
        holder.rollback()
        holder.close()
    assert (await api("test-cases"))[0] == 200


async def test_an_unreachable_store_is_a_503_without_its_password(api):
    url = "postgresql+psycopg://user:hunter2-pass@127.0.0.1:1/lab"
    settings = await _use(api, url)
    assert settings["store_url"] == "postgresql+psycopg://user:***@127.0.0.1:1/lab"
    status, body = await api("store")
    assert status == 503 and "cannot be reached" in body["error"]
    assert all("hunter2" not in text for text in api.texts)


@pytest.mark.parametrize("broken", [True], indirect=True)
async def test_an_extension_that_fails_to_load_leaves_the_server_running(api, jp_fetch):
    assert (await jp_fetch("api", "status")).code == 200
    for route in ("store", "test-cases", "jobs"):
        status, body = await api(route)
        assert status == 503 and "failed to load" in body["error"] and "broke while loading" in body["error"]
