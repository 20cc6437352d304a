"""The REST handlers: each parses its parameters, calls the public core (``kolena_lab.workflow.catalog``,
``kolena_lab.automation``) in a worker thread, and answers JSON. Errors answer ``{"error": ...}``: 400 (with the
``parameter``), 404, or 503 when the store cannot be used."""
import json
from functools import partial
from importlib import resources
from typing import Any, Callable, Dict, List, Optional, Tuple

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web
from tornado.ioloop import IOLoop

from kolena_lab import automation
from kolena_lab.errors import InputValidationError, NotFoundError, QueryError, StoreError
from kolena_lab.workflow import catalog, listing

API_BASE = "/kolena-lab/api/"
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
# Filters some listing takes: one given to a listing that does not take it is a 400 rather than silently ignored.
_FILTERS = frozenset({"q", "where", "workflow", "suite", "tag", "status", "model", "test_suite", "evaluator",
                      "version"})


def _bad(parameter: str, message: str) -> InputValidationError:
    """The error of a bad request parameter, naming it (answered 400 with ``"parameter"``)."""
    error = InputValidationError(message)
    error.parameter = parameter  # type: ignore[attr-defined]
    return error


class _Handler(ExtensionHandlerMixin, APIHandler):
    """An authenticated JSON handler of the API (Jupyter's token and XSRF rules apply)."""

    auth_resource = "kolena_lab"
    accepts: Tuple[str, ...] = ()  # the filters this route takes

    async def answer(self, compute: Callable[[], Any], uses_store: bool = True) -> None:
        """Run ``compute`` in a worker thread (on the configured store) and answer its JSON, or the error."""
        app = self.extensionapp
        try:
            if app.load_error:
                raise StoreError(app.load_error)
            self._check_filters()
            work = partial(self._on_store, compute) if uses_store else compute
            result = await IOLoop.current().run_in_executor(app.executor, work)
        except QueryError as e:
            return self._error(400, str(e), parameter="where")
        except NotFoundError as e:
            return self._error(404, str(e))
        except StoreError as e:
            return self._error(503, str(e))
        except InputValidationError as e:
            return self._error(400, str(e), **({"parameter": e.parameter} if hasattr(e, "parameter") else {}))
        except Exception as e:
            self.log.exception("kolena_lab: %s failed", self.request.path)
            return self._error(500, f"the kolena_lab server extension failed: {type(e).__name__}")
        self._json(200, result)

    def _on_store(self, compute: Callable[[], Any]) -> Any:
        try:
            listing.use_store(self.extensionapp.resolved_store_url(), self.extensionapp.lock_timeout)
        except InputValidationError as e:  # the configured URL, not a request parameter
            raise StoreError(str(e)) from None
        return compute()

    def _check_filters(self) -> None:
        for name in self.request.query_arguments:
            if name in _FILTERS and name not in self.accepts:
                raise _bad(name, f"'{name}' is not a parameter of {self.request.path}")

    def _error(self, status: int, message: str, **extra: Any) -> None:
        self._json(status, {"error": message, **extra})

    def _json(self, status: int, body: Any) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(json.dumps(listing.json_safe(body), allow_nan=False, ensure_ascii=False))

    def text(self, name: str) -> Optional[str]:
        """A text parameter; None when absent or empty."""
        value = self.get_query_argument(name, None)
        return value if value else None

    def number(self, name: str, default: Any, low: int, high: Optional[int] = None) -> Any:
        """An integer parameter within ``[low, high]``."""
        value = self.get_query_argument(name, None)
        if value is None or value == "":
            return default
        try:
            number = int(value)
        except ValueError:
            raise _bad(name, f"'{name}' must be a whole number, got {value[:100]!r}") from None
        if number < low or (high is not None and number > high):
            bounds = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise _bad(name, f"'{name}' must be {bounds}, got {number}")
        return number

    def required(self, name: str) -> str:
        """A text parameter that must be given."""
        value = self.text(name)
        if value is None:
            raise _bad(name, f"'{name}' is required")
        return value

    def page(self) -> Dict[str, int]:
        """``offset`` and ``limit`` of a listing."""
        return {"offset": self.number("offset", 0, 0), "limit": self.number("limit", DEFAULT_LIMIT, 0, MAX_LIMIT)}


def _dict(value: Any) -> Any:
    return value.to_dict() if hasattr(value, "to_dict") else value


class StoreHandler(_Handler):
    """GET ``store``: the store in use and what it holds."""

    @web.authenticated
    @authorized
    async def get(self) -> None:  # noqa: D102
        await self.answer(listing.store_summary)


class WorkflowsHandler(_Handler):
    """GET ``workflows``."""

    accepts = ("q", "where")

    @web.authenticated
    @authorized
    async def get(self) -> None:  # noqa: D102
        await self.answer(lambda: listing.page_workflows(q=self.text("q"), where=self.text("where"),
                                                         **self.page()).to_dict())


class TestSuitesHandler(_Handler):
    """GET ``test-suites``."""

    accepts = ("workflow", "q", "where")

    @web.authenticated
    @authorized
    async def get(self) -> None:  # noqa: D102
        await self.answer(lambda: listing.page_test_suites(self.text("workflow"), self.text("q"), self.text("where"),
                                                           **self.page()).to_dict())


class TestSuiteHandler(_Handler):
    """GET ``test-suites/<name>``: a suite with its versions."""

    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:  # noqa: D102
        await self.answer(lambda: listing.test_suite_detail(name).to_dict())


class TestCasesHandler(_Handler):
    """GET ``test-cases``."""

    accepts = ("workflow", "q", "where", "suite")

    @web.authenticated
    @authorized
    async def get(self) -> None:  # noqa: D102
        await self.answer(lambda: listing.page_test_cases(self.text("workflow"), self.text("q"), self.text("where"),
                                                          self.text("suite"), **self.page()).to_dict())


class TestCaseHandler(_Handler):
    """GET ``test-cases/<name>``: a test case with its versions and a summary of its fields."""

    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:  # noqa: D102
        await self.answer(lambda: listing.test_case_detail(name).to_dict())


class ModelsHandler(_Handler):
    """GET ``models``."""

    accepts = ("workflow", "q", "tag", "where")

    @web.authenticated
    @authorized
    async def get(self) -> None:  # noqa: D102
        await self.answer(lambda: listing.page_models(self.text("workflow"), self.text("q"), self.text("tag"),
                                                      self.text("where"), **self.page()).to_dict())


class ModelHandler(_Handler):
    """GET ``models/<name>``."""

    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:  # noqa: D102
        await self.answer(lambda: catalog.model_info(name).to_dict())


class EvaluatorsHandler(_Handler):
    """GET ``evaluators``: the registered evaluators (of one workflow), never a secret."""

    accepts = ("workflow",)

    @web.authenticated
    @authorized
    async def get(self) -> None:  # noqa: D102
        await self.answer(lambda: listing.paged(_evaluators(self.text("workflow")), **self.page()).to_dict())


def _evaluators(workflow: Optional[str]) -> List[Dict[str, Any]]:
    names = [workflow] if workflow is not None else [w.name for w in catalog.list_workflows()]
    items = []
    for name in names:
        for registered in automation.list_evaluators(name):
            secret = automation.get_evaluator(name, registered.name, include_secret=True).secret
            items.append(_redacted(registered.as_dict(), secret))
    return items


def _redacted(value: Any, secret: Optional[str]) -> Any:
    """``value`` with the secret hidden in every text, recursively."""
    if isinstance(value, str):
        return automation.redact(value, secret)
    if isinstance(value, dict):
        return {_redacted(k, secret): _redacted(v, secret) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redacted(v, secret) for v in value]
    return value


class JobsHandler(_Handler):
    """GET ``jobs``: newest first; ``status`` may list several, comma-separated."""

    accepts = ("status", "model", "workflow", "test_suite", "evaluator", "q", "where")

    @web.authenticated
    @authorized
    async def get(self) -> None:  # noqa: D102
        await self.answer(lambda: listing.page_jobs(self._statuses(), self.text("model"), self.text("workflow"),
                                                    self.text("test_suite"), self.text("evaluator"),
                                                    q=self.text("q"), where=self.text("where"),
                                                    **self.page()).to_dict())

    def _statuses(self) -> Optional[List[str]]:
        status = self.text("status")
        statuses = [s.strip() for s in status.split(",") if s.strip()] if status else None
        unknown = sorted(set(statuses or ()) - set(listing.JOB_STATUSES))
        if unknown:
            raise _bad("status", f"unknown job status {unknown}; one of {', '.join(listing.JOB_STATUSES)}")
        return statuses


class JobHandler(_Handler):
    """GET ``jobs/<id>``: a job with the end of its log."""

    @web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:  # noqa: D102
        await self.answer(lambda: listing.job_detail(_job_id(job_id)).to_dict())


def _job_id(text: str) -> int:
    if not text.isdigit():
        raise _bad("id", f"a job id is a whole number, got {text[:100]!r}")
    return int(text)


class ResultsHandler(_Handler):
    """GET ``results``: a model's metrics per test case (and configuration) on a suite version."""

    accepts = ("model", "test_suite", "version", "evaluator")

    @web.authenticated
    @authorized
    async def get(self) -> None:  # noqa: D102
        await self.answer(lambda: listing.test_case_results(
            self.required("model"), self.required("test_suite"), self.number("version", None, 0),
            self.text("evaluator"), **self.page()).to_dict())


class OpenApiHandler(_Handler):
    """GET ``openapi.json``: the API's OpenAPI 3 document."""

    @web.authenticated
    @authorized
    async def get(self) -> None:  # noqa: D102
        await self.answer(openapi, uses_store=False)


def openapi() -> Dict[str, Any]:
    """The OpenAPI document shipped with the package."""
    return json.loads(resources.files("kolena_lab.jupyter").joinpath("openapi.json").read_text(encoding="utf-8"))


class SettingsHandler(_Handler):
    """GET / PUT ``settings``: the store URL the API reads (password hidden when shown) and the refresh interval."""

    @web.authenticated
    @authorized
    async def get(self) -> None:  # noqa: D102
        await self.answer(self._settings, uses_store=False)

    @web.authenticated
    @authorized
    async def put(self) -> None:  # noqa: D102
        app = self.extensionapp
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError as e:
            return self._error(400, f"the body is not JSON: {e}", parameter="body")
        if not isinstance(body, dict):
            return self._error(400, "the body must be a JSON object", parameter="body")
        url = body.get("store_url", app.store_url)
        interval = body.get("refresh_interval_s", app.refresh_interval_s)
        if url is not None and not isinstance(url, str):
            return self._error(400, "'store_url' must be a string or null", parameter="store_url")
        url = url.strip() if url else None
        if url is not None:
            try:
                listing.check_store_url(url)
            except InputValidationError as e:
                return self._error(400, str(e), parameter="store_url")
        if isinstance(interval, bool) or not isinstance(interval, (int, float)) or not 0 < interval <= 86_400:
            return self._error(400, "'refresh_interval_s' must be a number of seconds above 0",
                               parameter="refresh_interval_s")
        app.store_url, app.refresh_interval_s = url, float(interval)
        await self.answer(self._settings, uses_store=False)

    def _settings(self) -> Dict[str, Any]:
        app = self.extensionapp
        return {"store_url": app.store_url and listing.shown_url(app.store_url),
                "refresh_interval_s": app.refresh_interval_s}


def routes() -> List[Tuple[str, type]]:
    """The API's ``(pattern, handler)`` pairs; names are URL-encoded path segments (Tornado decodes them)."""
    return [
        (API_BASE + path, handler) for path, handler in (
            ("store", StoreHandler),
            ("workflows", WorkflowsHandler),
            ("test-suites", TestSuitesHandler),
            ("test-suites/(.+)", TestSuiteHandler),
            ("test-cases", TestCasesHandler),
            ("test-cases/(.+)", TestCaseHandler),
            ("models", ModelsHandler),
            ("models/(.+)", ModelHandler),
            ("evaluators", EvaluatorsHandler),
            ("jobs", JobsHandler),
            ("jobs/(.+)", JobHandler),
            ("results", ResultsHandler),
            ("openapi.json", OpenApiHandler),
            ("settings", SettingsHandler),
        )
    ]
