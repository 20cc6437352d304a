"""PNG export of plotly figures through one long-lived headless-browser export server (kaleido).

Without a browser the export is skipped: a one-time notice says why, and charts keep their interactive form.
"""
import base64
import threading
import warnings
from typing import Any, Optional

_lock = threading.Lock()
_state = {"started": False, "failure": None, "warned": False}


def _start() -> None:
    if _state["started"] or _state["failure"]:
        return
    try:
        import kaleido

        kaleido.start_sync_server(silence_warnings=True)
        _state["started"] = True
    except Exception as e:  # no kaleido, no browser: fall back to interactive-only charts
        _state["failure"] = f"{type(e).__name__}: {e}"


def render(fig: Any, width: int, height: int) -> Optional[bytes]:
    """PNG bytes of the figure, or None (with a one-time warning) when export is impossible here."""
    with _lock:
        _start()
        if _state["started"]:
            try:
                import kaleido

                return kaleido.calc_fig_sync(fig.to_dict(), opts={"format": "png", "width": width, "height": height})
            except Exception as e:
                _state["failure"] = f"{type(e).__name__}: {e}"
        if not _state["warned"]:
            _state["warned"] = True
            warnings.warn(f"charts are shown without a static PNG copy: {notice()}", stacklevel=3)
        return None


def notice() -> str:
    """Why PNG export is unavailable (empty when it works)."""
    failure = _state["failure"]
    if not failure:
        return ""
    return ("PNG export needs a Chromium/Chrome browser (on Debian: apt-get install chromium) and the kaleido "
            f"package ({failure})")


def b64(data: bytes) -> str:
    """Base64 text of PNG bytes, as notebook outputs store images."""
    return base64.b64encode(data).decode("ascii")
