"""Media for the sample browser: locators resolved to bytes, safe thumbnails, typed placeholders and overlays."""
from kolena_lab.media.cache import DiskCache, default_cache, default_cache_dir
from kolena_lab.errors import ImageDecodeError, LocatorError, MediaError
from kolena_lab.media.kinds import MediaKind, MediaSource, media_kind, media_source
from kolena_lab.media.locators import (
    DATA_ROOT_ENV,
    MAX_LOCATOR_LENGTH,
    FetchOptions,
    data_root,
    local_path,
    locator_problem,
    locator_version,
    open_locator,
    read_locator,
    set_data_root,
)
from kolena_lab.media.overlays import (
    GROUND_TRUTH_COLOR,
    INFERENCE_COLOR,
    LABEL_PALETTE,
    MISSED_COLOR,
    Overlay,
    collect_annotations,
    draw_overlay,
    label_color,
)
from kolena_lab.media.placeholders import error_placeholder, placeholder
from kolena_lab.media.thumbnails import DEFAULT_MAX_PIXELS, DEFAULT_SIZE, Thumbnail, thumbnail, thumbnails

__all__ = [
    "DATA_ROOT_ENV",
    "DEFAULT_MAX_PIXELS",
    "DEFAULT_SIZE",
    "DiskCache",
    "FetchOptions",
    "GROUND_TRUTH_COLOR",
    "INFERENCE_COLOR",
    "LABEL_PALETTE",
    "MISSED_COLOR",
    "ImageDecodeError",
    "LocatorError",
    "MAX_LOCATOR_LENGTH",
    "MediaError",
    "MediaKind",
    "MediaSource",
    "Overlay",
    "Thumbnail",
    "collect_annotations",
    "data_root",
    "set_data_root",
    "default_cache",
    "default_cache_dir",
    "draw_overlay",
    "label_color",
    "error_placeholder",
    "local_path",
    "locator_problem",
    "locator_version",
    "media_kind",
    "media_source",
    "open_locator",
    "placeholder",
    "read_locator",
    "thumbnail",
    "thumbnails",
]
