"""The ``kolena_lab`` Jupyter server extension app: its settings (the store URL the API reads, the sidebar's refresh
interval) and its routes. Nothing here may stop Jupyter from starting: a failure is logged and the routes answer
503 with it."""
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Optional

from jupyter_server.extension.application import ExtensionApp
from traitlets import Float, Unicode

from kolena_lab.jupyter.handlers import API_BASE, routes

DEFAULT_REFRESH_INTERVAL_S = 3.0


class KolenaLabApp(ExtensionApp):
    """Serves the kolena_lab REST API on the Jupyter server."""

    name = "kolena_lab"
    load_other_extensions = True

    store_url = Unicode(None, allow_none=True, config=True,
                        help="The store the API reads; default: KOLENA_LAB_URL, else .kolena_lab/lab.db under the "
                             "server's root directory. The sidebar's setting (PUT settings) replaces it.")
    lock_timeout = Float(2.0, config=True, help="Seconds a request waits for a locked SQLite store before a 503.")
    refresh_interval_s = Float(DEFAULT_REFRESH_INTERVAL_S, config=True,
                               help="How often the sidebar refreshes, in seconds.")

    load_error: Optional[str] = None
    executor: Optional[ThreadPoolExecutor] = None

    def initialize_settings(self) -> None:
        """The threads the handlers read the store in; on a failure the routes answer 503 with the reason."""
        try:
            self.executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="kolena-lab-api")
        except Exception as e:  # never break the server's start
            self.load_error = f"the kolena_lab server extension failed to load: {type(e).__name__}: {e}"
            self.log.exception("kolena_lab: %s", self.load_error)

    def initialize_handlers(self) -> None:
        """The API's routes under ``/kolena-lab/api/``."""
        self.handlers.extend(routes())
        self.log.info("kolena_lab: REST API at %s", API_BASE)

    def resolved_store_url(self) -> str:
        """The store URL in effect: the configured one, else ``KOLENA_LAB_URL``, else the default file under the
        server's root directory."""
        if self.store_url:
            return self.store_url
        if os.environ.get("KOLENA_LAB_URL"):
            return os.environ["KOLENA_LAB_URL"]
        root = Path(getattr(self.serverapp, "root_dir", None) or os.getcwd()).expanduser().resolve()
        return f"sqlite:///{root / '.kolena_lab' / 'lab.db'}"

    async def stop_extension(self) -> None:
        """Let the worker threads finish."""
        if self.executor is not None:
            self.executor.shutdown(wait=False, cancel_futures=True)

