"""Thumbnails of locators, test samples and assets: decoded safely, upright, scaled, overlaid and cached on disk.

A thumbnail never raises for bad data: a missing file, an HTTP error, bytes that are not an image, a truncated
file or an image over the pixel limit each give a placeholder image and a plain-text ``error`` reason.
"""
import base64
import functools
import io
import json
import struct
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import IO, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np
from PIL import Image, ImageFile

from kolena_lab.media.cache import DiskCache, default_cache
from kolena_lab.errors import ImageDecodeError, MediaError
from kolena_lab.media.kinds import MediaKind, MediaSource, Source, media_source
from kolena_lab.media.locators import DEFAULT_FETCH, FetchOptions, locator_version, open_locator
from kolena_lab.media.overlays import Overlay, draw_overlay
from kolena_lab.media.placeholders import error_placeholder, placeholder

DEFAULT_SIZE = 256
DEFAULT_MAX_PIXELS = 64_000_000
"""Pixels decoded at most per image; below Pillow's own 89 MP warning so its process-wide check never fires."""
DEFAULT_WORKERS = 4
"""Threads of :func:`thumbnails`: Pillow decodes, scales and encodes without the GIL, and remote reads wait."""

_MIME_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_SAVE_OPTIONS = {"JPEG": {"quality": 85}, "PNG": {"compress_level": 6}, "WEBP": {"quality": 80}}
_CACHE_FORMAT = 2  # part of every cache key: bump it when encoding or drawing changes
_TRANSPOSES = {  # EXIF orientation -> the transpose that makes the image upright
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_TURNS = (Image.Transpose.TRANSPOSE, Image.Transpose.TRANSVERSE, Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_270)
_ORIENTATION_TAG = 0x0112
_HIGH_BIT_DEPTH = ("I;16", "I;16L", "I;16B", "I;16N", "I", "F")

Size = Union[int, Tuple[int, int]]


@dataclass(frozen=True)
class Thumbnail:
    """An encoded thumbnail of one source.

    ``kind`` is what the source holds; ``placeholder`` is true when ``data`` is a drawn placeholder rather than
    the picture, and ``error`` then says why when something failed (plain text: escape it in HTML).
    """

    locator: str
    kind: MediaKind
    data: bytes
    mime_type: str
    width: int
    height: int
    error: Optional[str] = None
    placeholder: bool = False
    cached: bool = False

    @property
    def data_url(self) -> str:
        """``data:`` URL of the image, for ``<img src=...>``."""
        return f"data:{self.mime_type};base64,{base64.b64encode(self.data).decode()}"


def _box(size: Size) -> Tuple[int, int]:
    box = (size, size) if isinstance(size, int) else tuple(size) if isinstance(size, (tuple, list)) else ()
    if len(box) != 2 or not all(isinstance(v, int) and v > 0 for v in box):
        raise ValueError(f"size must be a positive int or (width, height) of positive ints, got {size!r}")
    return box  # type: ignore[return-value]


def _fit(size: Tuple[int, int], box: Tuple[int, int]) -> Tuple[int, int]:
    scale = min(box[0] / size[0], box[1] / size[1])
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def _open_image(file: IO[bytes]) -> ImageFile.ImageFile:
    """Identify and open an image from its header with Pillow's registered formats.

    ``Image.open`` would also apply Pillow's process-wide decompression-bomb limit (a warning, then an error);
    the caller applies a per-call limit instead, and to the size JPEGs are actually decoded at.
    """
    prefix = file.read(16)
    if not prefix:
        raise ImageDecodeError("empty file")
    for load_plugins in (Image.preinit, Image.init):
        load_plugins()
        for name in Image.ID:
            factory, accept = Image.OPEN[name]
            try:
                accepted = accept(prefix) if accept else True
                if not accepted or isinstance(accepted, str):  # a str is Pillow's reason for refusing
                    continue
                file.seek(0)
                return factory(file, "")
            except (SyntaxError, IndexError, TypeError, struct.error):  # what Pillow treats as "not this format"
                continue
    raise ImageDecodeError("not an image (unrecognised or unsupported format)")


def _too_large(width: int, height: int, decoded: int, max_pixels: int) -> ImageDecodeError:
    at = "" if decoded == width * height else f", {decoded / 1e6:.3g} MP even at reduced size"
    return ImageDecodeError(f"image too large: {width} x {height} pixels ({width * height / 1e6:.3g} MP{at}); "
                            f"the limit is {max_pixels / 1e6:.3g} MP")


def _displayable(image: Image.Image) -> Image.Image:
    """``image`` in L, RGB or RGBA; high-bit-depth images stretched from their min to their max."""
    if image.mode in _HIGH_BIT_DEPTH:
        pixels = np.asarray(image, dtype=np.float32)
        finite = pixels[np.isfinite(pixels)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
        scaled = (pixels - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(pixels)
        return Image.fromarray(np.nan_to_num(scaled).clip(0, 255).astype(np.uint8))
    if image.mode in ("L", "RGB", "RGBA"):
        return image
    if image.mode in ("LA", "La", "PA", "RGBa") or "transparency" in image.info:
        return image.convert("RGBA")
    return image.convert("RGB")


def _orientation(image: Image.Image, size: Tuple[int, int],
                 box: Tuple[int, int]) -> Tuple[Optional[Image.Transpose], Tuple[int, int], Tuple[int, int]]:
    """The transpose that makes ``image`` upright, its upright size, and the pre-transpose size fitting ``box``."""
    try:
        transpose = _TRANSPOSES.get(image.getexif().get(_ORIENTATION_TAG, 1))
    except Exception:  # a broken EXIF block must not lose a good picture
        transpose = None
    turned = transpose in _TURNS
    upright = (size[1], size[0]) if turned else size
    target = _fit(upright, box)
    return transpose, upright, (target[1], target[0]) if turned else target


def _decode(file: IO[bytes], box: Tuple[int, int], max_pixels: int) -> Tuple[Image.Image, Tuple[int, int]]:
    """The upright image scaled to fit ``box``, and the upright size of the original."""
    try:
        image = _open_image(file)
        size = image.size
        if image.format in ("JPEG", "MPO"):  # EXIF is in the header: decode at the smallest DCT scale that fits
            _, _, raw_target = _orientation(image, size, box)
            image.draft(None, (raw_target[0] * 2, raw_target[1] * 2))
        decoded = image.size[0] * image.size[1]
        if decoded > max_pixels:
            raise _too_large(size[0], size[1], decoded, max_pixels)
        image.load()
    except MediaError:
        raise
    except Image.DecompressionBombError:
        raise ImageDecodeError("image too large to decode safely") from None
    except MemoryError:
        raise ImageDecodeError("not enough memory to decode the image") from None
    except Exception as exc:  # Pillow reports bad data with OSError, SyntaxError, ValueError, EOFError, ...
        text = str(exc) or type(exc).__name__
        if "truncated" in text or isinstance(exc, EOFError):
            raise ImageDecodeError("truncated image file: the data ends before the picture does") from None
        raise ImageDecodeError(f"corrupt or unsupported image data ({text})") from None
    transpose, upright, raw_target = _orientation(image, size, box)  # after load: PNG keeps EXIF after the pixels
    image = _displayable(image)
    if raw_target != image.size:
        upscale = raw_target[0] > image.size[0]
        image = image.resize(raw_target, Image.Resampling.NEAREST if upscale else Image.Resampling.BICUBIC,
                             reducing_gap=None if upscale else 2.0)
    if transpose is not None:
        image = image.transpose(transpose)
    return image, upright


def _encode(image: Image.Image, fmt: str) -> bytes:
    if fmt == "JPEG" and image.mode == "RGBA":
        flat = Image.new("RGB", image.size, (255, 255, 255))
        flat.paste(image, mask=image.getchannel("A"))
        image = flat
    out = io.BytesIO()
    image.save(out, fmt, **_SAVE_OPTIONS[fmt])
    return out.getvalue()


@functools.lru_cache(maxsize=512)
def _placeholder_png(kind: Optional[MediaKind], box: Tuple[int, int], text: str) -> bytes:
    image = error_placeholder(text, box) if kind is None else placeholder(kind, box, text)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _placeholder(source: MediaSource, box: Tuple[int, int], error: Optional[str] = None) -> Thumbnail:
    data = _placeholder_png(None if error else source.kind, box, error or source.caption)
    width, height = max(16, box[0]), max(16, box[1])  # placeholders are drawn at least 16 px a side
    return Thumbnail(source.locator, source.kind, data, "image/png", width, height, error=error, placeholder=True)


def _pack(thumb: Thumbnail) -> bytes:
    header = json.dumps({"mime_type": thumb.mime_type, "width": thumb.width, "height": thumb.height})
    return header.encode() + b"\n" + thumb.data


def _unpack(source: MediaSource, blob: bytes) -> Optional[Thumbnail]:
    header, _, data = blob.partition(b"\n")
    try:
        meta = json.loads(header)
        return Thumbnail(source.locator, source.kind, data, meta["mime_type"], meta["width"], meta["height"],
                         cached=True)
    except (ValueError, KeyError, TypeError):
        return None


def _image_thumbnail(source: MediaSource, box: Tuple[int, int], overlay: Optional[Overlay], fmt: str,
                     cache: Optional[DiskCache], max_pixels: int, fetch: FetchOptions) -> Thumbnail:
    locator = source.image_locator
    assert locator is not None
    version = locator_version(locator, fetch)
    key = DiskCache.key(_CACHE_FORMAT, locator, version, box, fmt, overlay.cache_key if overlay else None)
    if cache is not None:
        blob = cache.get(key)
        hit = _unpack(source, blob) if blob is not None else None
        if hit is not None:
            return hit
    with open_locator(locator, fetch) as file:
        image, upright = _decode(file, box, max_pixels)
    if overlay is not None:
        image = draw_overlay(image, overlay, (image.width / upright[0], image.height / upright[1]))
    thumb = Thumbnail(source.locator, source.kind, _encode(image, fmt), _MIME_TYPES[fmt], image.width,
                      image.height)
    if cache is not None:
        cache.put(key, _pack(thumb))
    return thumb


def _resolve_cache(cache: Union[DiskCache, bool, None]) -> Optional[DiskCache]:
    if cache is True:
        return default_cache()
    return cache if isinstance(cache, DiskCache) else None


def thumbnail(source: Source, size: Size = DEFAULT_SIZE, *, overlay: Optional[Overlay] = None,
              format: str = "JPEG", cache: Union[DiskCache, bool, None] = True,
              max_pixels: int = DEFAULT_MAX_PIXELS, fetch: FetchOptions = DEFAULT_FETCH) -> Thumbnail:
    """A thumbnail of a locator, path, test sample or asset, fitting ``size`` (an int for a square box, or
    ``(width, height)``) with its aspect ratio kept.

    Images are turned upright by their EXIF orientation and drawn with ``overlay`` (annotation coordinates are
    pixels of the upright original); other media get a typed placeholder of the box's size. ``format`` is JPEG,
    PNG or WEBP (placeholders are always PNG). ``cache`` is the default on-disk cache (True), a
    :class:`DiskCache`, or False; entries are keyed by locator, its version (mtime and size, ETag, ...), size,
    format and overlay. Images over ``max_pixels`` (after JPEG reduced-size decoding) are refused.
    """
    box = _box(size)
    fmt = format.upper()
    if fmt not in _MIME_TYPES:
        raise ValueError(f"format must be one of {', '.join(_MIME_TYPES)}, got {format!r}")
    src = media_source(source)
    if src.image_locator is None:
        return _placeholder(src, box)
    try:
        return _image_thumbnail(src, box, overlay, fmt, _resolve_cache(cache), max_pixels, fetch)
    except MediaError as exc:
        return _placeholder(src, box, exc.reason)
    except Exception as exc:  # one bad file must never break a page of thumbnails
        return _placeholder(src, box, f"unexpected error: {type(exc).__name__}: {exc}")


def thumbnails(sources: Iterable[Source], size: Size = DEFAULT_SIZE, *,
               overlays: Optional[Sequence[Optional[Overlay]]] = None, workers: int = DEFAULT_WORKERS,
               format: str = "JPEG", cache: Union[DiskCache, bool, None] = True,
               max_pixels: int = DEFAULT_MAX_PIXELS, fetch: FetchOptions = DEFAULT_FETCH) -> List[Thumbnail]:
    """Thumbnails of many sources in order, made by ``workers`` threads; ``overlays`` pairs with ``sources``."""
    items = list(sources)
    paired = list(overlays) if overlays is not None else [None] * len(items)
    if len(paired) != len(items):
        raise ValueError(f"got {len(paired)} overlays for {len(items)} sources")
    store = _resolve_cache(cache)

    def one(item: Tuple[Source, Optional[Overlay]]) -> Thumbnail:
        return thumbnail(item[0], size, overlay=item[1], format=format, cache=store if store is not None else False,
                         max_pixels=max_pixels, fetch=fetch)

    if workers <= 1 or len(items) <= 1:
        return [one(item) for item in zip(items, paired)]
    with ThreadPoolExecutor(min(workers, len(items)), thread_name_prefix="kolena-lab-thumbnail") as pool:
        return list(pool.map(one, zip(items, paired)))
