"""The REST API of the Jupyter server extension, through a real Jupyter server, against a real store."""
import json

import pytest

from kolena_lab import automation
from kolena_lab.workflow import test

from ..integration import _automation as a
from ..integration import _classification as c

ROUTES = ["store", "workflows", "test-suites", ("test-suites", "pets"), "test-cases", ("test-cases", "cats"),
          "models", ("models", "m1"), "evaluators", "jobs", "openapi.json", "settings"]


def _curated():
    cats = c.TestCase("cats", description="all the cats",
                      test_samples=[(c.sample(i, night=i % 2 == 0, brightness=i / 10), c.gt("cat")) for i in range(6)])
    dogs = c.TestCase("dogs", test_samples=[(c.sample(10 + i, night=False), c.gt("dog")) for i in range(2)])
    suite = c.TestSuite("pets", test_cases=[cats, dogs], tags={"nightly"})
    model = c.Model("m1", infer=c.predict, metadata={"arch": "tiny", "layers": 4}, tags={"prod"})
    c.Model("m2", metadata={"arch": "big", "layers": 40})
    test(model, suite, c.AccuracyEvaluator([c.Threshold(0.5)]))
    return suite


async def test_every_route_answers_what_the_store_holds(lab, api):
    _curated()
    with c.TestSuite("pets").edit() as editor:
        editor.remove(c.TestCase.load("dogs"))

    status, store = await api("store")
    assert status == 200 and store["dialect"] in ("sqlite", "postgresql") and store["schema_version"] >= 2
    assert store["counts"] == {"workflows": 1, "test_cases": 2, "test_suites": 1, "models": 2, "jobs": 0}

    _, workflows = await api("workflows")
    assert workflows == {"items": [{"name": c.workflow.name, "test_sample_type": "Sample", "ground_truth_type": "GT",
                                    "inference_type": "Inf", "n_test_cases": 2, "n_test_suites": 1, "n_models": 2}],
                         "total": 1, "offset": 0, "limit": 100}

    _, suites = await api("test-suites", workflow=c.workflow.name)
    assert suites["items"] == [{"name": "pets", "workflow": c.workflow.name, "latest_version": 2, "n_test_cases": 1,
                                "tags": ["nightly"], "description": ""}]
    assert (await api("test-suites", workflow="other"))[1]["items"] == []
    _, pets = await api(("test-suites", "pets"))
    assert [(v["version"], v["test_cases"]) for v in pets["versions"]] == [
        (0, []), (1, [{"name": "cats", "version": 1}, {"name": "dogs", "version": 1}]),
        (2, [{"name": "cats", "version": 1}])]
    assert all(v["created"].endswith("+00:00") for v in pets["versions"])

    _, cases = await api("test-cases")
    assert [(t["name"], t["n_samples"], t["latest_version"]) for t in cases["items"]] == [("cats", 6, 1),
                                                                                         ("dogs", 2, 1)]
    assert [t["name"] for t in (await api("test-cases", q="DOG"))[1]["items"]] == ["dogs"]
    assert [t["name"] for t in (await api("test-cases", where="n_samples > 3"))[1]["items"]] == ["cats"]
    assert [t["name"] for t in (await api("test-cases", suite="pets"))[1]["items"]] == ["cats"]
    _, cats = await api(("test-cases", "cats"))
    assert cats["description"] == "all the cats" and [(v["version"], v["n_samples"]) for v in cats["versions"]] == [
        (0, 0), (1, 6)]
    summary = {f["field"]: f for f in cats["metadata_summary"]}
    assert summary["brightness"]["kind"] == "number" and summary["brightness"]["high"] == pytest.approx(0.5)
    assert summary["night"]["kind"] == "boolean"

    _, models = await api("models")
    assert models["items"][0] == {"name": "m1", "workflow": c.workflow.name, "metadata": {"arch": "tiny", "layers": 4},
                                  "tags": ["prod"]}
    assert [m["name"] for m in (await api("models", tag="prod"))[1]["items"]] == ["m1"]
    assert [m["name"] for m in (await api("models", where="`metadata.layers` > 10"))[1]["items"]] == ["m2"]
    assert (await api(("models", "m2")))[1]["metadata"] == {"arch": "big", "layers": 40}

    _, results = await api("results", model="m1", test_suite="pets", version=1)
    assert [(r["test_case"], r["configuration"], r["n"]) for r in results["items"]] == [
        ("cats", "threshold=0.5", 6), ("dogs", "threshold=0.5", 2)]
    assert all(0 <= r["accuracy"] <= 1 for r in results["items"])
    assert [r["test_case"] for r in (await api("results", model="m1", test_suite="pets"))[1]["items"]] == ["cats"]

    _, spec = await api("openapi.json")
    assert spec["openapi"].startswith("3.") and "/test-cases/{name}" in spec["paths"]
    for route in ROUTES:
        status, body = await api(route)
        assert status == 200, (route, body)


async def test_jobs_and_evaluators(lab, api):
    suite, model = a.inferred_suite()
    a.register("accuracy", a.ACCURACY, configurations=[{"threshold": 0.5, "class": a.THRESHOLD}])
    [job_id] = test(model, suite).jobs
    _, evaluators = await api("evaluators")
    assert [(e["workflow"], e["name"], e["kind"]) for e in evaluators["items"]] == [
        (c.workflow.name, "accuracy", "entrypoint")]
    assert (await api("evaluators", workflow="nope"))[0] == 404
    _, jobs = await api("jobs")
    [job] = jobs["items"]
    assert (job["id"], job["status"], job["model"], job["test_suite"], job["evaluator"]) == (
        job_id, "queued", "m", "suite", "accuracy")
    assert job["created"] and job["started"] is None and jobs["total"] == 1
    assert (await api("jobs", status="running"))[1] == {"items": [], "total": 0, "offset": 0, "limit": 100}
    assert (await api("jobs", status="queued,running", model="m"))[1]["total"] == 1
    assert (await api("jobs", workflow="other"))[1]["total"] == 0
    assert (await api("jobs", q="M", where="status == 'queued'"))[1]["total"] == 1
    _, detail = await api(("jobs", job_id))
    assert detail["log_tail"] == "" and detail["status"] == "queued"
    assert (await api(("jobs", 999)))[0] == 404


async def test_listings_are_paged(lab, api):
    c.TestCase("t", test_samples=c.members(2))
    for i in range(24):
        c.TestCase(f"case {i:02d}")
    _, page = await api("test-cases", offset=20, limit=10)
    assert page["total"] == 25 and page["offset"] == 20 and page["limit"] == 10
    assert [t["name"] for t in page["items"]] == ["case 20", "case 21", "case 22", "case 23", "t"]
    assert (await api("test-cases", limit=0))[1]["items"] == []
    assert len((await api("test-cases", limit=1000))[1]["items"]) == 25


@pytest.mark.parametrize("method", ["GET", "PUT"])
async def test_no_token_is_forbidden(lab, api, method):
    _curated()
    body = json.dumps({"store_url": lab.url}) if method == "PUT" else None
    routes = ROUTES + ["results"] if method == "GET" else ["settings"]
    for route in routes:
        status, _ = await api(route, method=method, body=body, auth=False)
        assert status == 403, route
        wrong, _ = await api(route, method=method, body=body, auth=False, headers={"Authorization": "token nope"})
        assert wrong == 403, route
    assert "all the cats" not in "".join(api.texts)


async def test_a_put_with_the_login_cookie_needs_the_xsrf_token(lab, api, http_server_client, jp_base_url,
                                                                 jp_auth_header):
    login = f"{jp_base_url}login"
    first = await http_server_client.fetch(login, raise_error=False)
    xsrf = _cookie(first, "_xsrf")
    token = jp_auth_header["Authorization"].split(" ", 1)[1]
    signed_in = await http_server_client.fetch(login, method="POST", raise_error=False, follow_redirects=False,
                                               body=f"password={token}&_xsrf={xsrf}",
                                               headers={"Cookie": f"_xsrf={xsrf}"})
    session = "; ".join(part.split(";", 1)[0] for part in signed_in.headers.get_list("Set-Cookie"))
    cookies = {"Cookie": f"{session}; _xsrf={xsrf}"}
    body = json.dumps({"refresh_interval_s": 7})
    assert (await api("settings", auth=False, headers=cookies))[0] == 200  # the cookie signs in
    assert (await api("settings", method="PUT", body=body, auth=False, headers=cookies))[0] == 403
    status, settings = await api("settings", method="PUT", body=body, auth=False,
                                 headers={**cookies, "X-XSRFToken": xsrf})
    assert status == 200 and settings["refresh_interval_s"] == 7


def _cookie(response, name):
    for header in response.headers.get_list("Set-Cookie"):
        key, _, value = header.split(";", 1)[0].partition("=")
        if key == name:
            return value
    raise AssertionError(f"no {name} cookie in {response.headers.get_list('Set-Cookie')}")


@pytest.mark.parametrize("route, params, parameter", [
    ("test-cases", {"limit": "x"}, "limit"),
    ("test-cases", {"limit": 1001}, "limit"),
    ("models", {"offset": -1}, "offset"),
    ("test-cases", {"where": "n_samples >"}, "where"),
    ("test-suites", {"where": "nope == 1"}, "where"),
    ("models", {"where": "name + 1"}, "where"),
    ("jobs", {"status": "done"}, "status"),
    ("jobs", {"where": "status = 'queued'"}, "where"),
    ("evaluators", {"q": "x"}, "q"),
    ("workflows", {"tag": "x"}, "tag"),
    ("results", {"test_suite": "pets"}, "model"),
    ("results", {"model": "m1"}, "test_suite"),
    ("results", {"model": "m1", "test_suite": "pets", "version": "latest"}, "version"),
    (("jobs", "abc"), {}, "id"),
])
async def test_bad_parameters_answer_400_naming_them(lab, api, route, params, parameter):
    _curated()
    status, body = await api(route, **params)
    assert status == 400 and body["parameter"] == parameter and body["error"]


@pytest.mark.parametrize("route, params", [
    (("test-cases", "nope"), {}), (("test-suites", "nope"), {}), (("models", "nope"), {}), (("jobs", 7), {}),
    ("results", {"model": "nope", "test_suite": "pets"}), ("results", {"model": "m1", "test_suite": "pets",
                                                                        "version": 9}),
    ("test-cases", {"suite": "nope"}),
])
async def test_missing_objects_answer_404(lab, api, route, params):
    _curated()
    status, body = await api(route, **params)
    assert status == 404 and "does not exist" in body["error"] or "no version" in body["error"]


HOSTILE = ["<script>alert('x')</script>", 'quote " and \' both', "slash/and%2Fpercent %", "ünïcødé ✓ 猫",
           "x" * 1024]  # the longest name a store takes; descriptions and metadata carry 10 kB


async def test_hostile_names_come_back_as_json_text(lab, api):
    for name in HOSTILE:
        c.TestCase(name, description=name + "d" * 10_240, test_samples=c.members(1))
        c.Model(name, metadata={"note": name + "<b>" * 3_500})
    _, cases = await api("test-cases", limit=1000)
    assert sorted(t["name"] for t in cases["items"]) == sorted(HOSTILE)
    for name in HOSTILE:
        status, case = await api(("test-cases", name))
        assert status == 200 and case["name"] == name and case["description"] == name + "d" * 10_240
        status, model = await api(("models", name))
        assert status == 200 and model["metadata"] == {"note": name + "<b>" * 3_500}
        assert [t["name"] for t in (await api("test-cases", q=name[:40]))[1]["items"]] == [name]


async def test_secrets_never_leave_the_server(lab, api):
    secret = "s3cr3t-Token-9f2b"
    suite, model = a.inferred_suite()
    a.register("leaky", f"{a.EVALUATORS}:leaky", secret=secret)
    [job_id] = test(model, suite).jobs
    automation.Worker().run_next()
    assert automation.get_job(job_id).status == "failed"
    named = [("jobs", job_id), ("test-suites", "suite"), ("test-cases", "a"), ("models", "m")]
    for route in [*(r for r in ROUTES if isinstance(r, str)), *named]:
        assert (await api(route))[0] == 200
    await api("evaluators", workflow=c.workflow.name)
    await api("results", model="m", test_suite="suite")
    _, detail = await api(("jobs", job_id))
    assert automation.REDACTED in detail["log_tail"] and "token is" in detail["log_tail"]
    assert all(secret not in text for text in api.texts) and len(api.texts) > 15

