"""The Jupyter server extension: a REST API under ``/kolena-lab/api/`` over the public core (what the JupyterLab
sidebar shows). Enabled on install by ``jupyter_server_config.d/kolena_lab.json``."""
from typing import Any, Dict, List


def _jupyter_server_extension_points() -> List[Dict[str, Any]]:
    """The extension app Jupyter loads (imported only then, so importing this package needs no Jupyter server)."""
    from kolena_lab.jupyter.app import KolenaLabApp

    return [{"module": "kolena_lab.jupyter", "app": KolenaLabApp}]


__all__: List[str] = []
