"""An evaluator job's secret: the variable its process receives it in, and hiding it in any text shown or stored."""
from typing import Optional

SECRET_VARIABLE = "KOLENA_EVALUATOR_SECRET"  # how a job's process receives its evaluator's secret
REDACTED = "***"


def redact(text: Optional[str], secret: Optional[str]) -> Optional[str]:
    """``text`` with every occurrence of ``secret`` replaced by ``***``."""
    if not text or not secret:
        return text
    return text.replace(secret, REDACTED)
