"""Small helpers under the import paths Kolena's example workflows use (``kolena_lab._utils.log``)."""
from kolena_lab._utils import log

__all__ = ["log"]
