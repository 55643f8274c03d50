"""Image facts and thumbnails (Pillow): the width and height of an uploaded image, and a JPEG preview
at most 320 pixels on its longer side. Blocking work: callers run `inspect_image` in a thread
(`asyncio.to_thread`), never on the event loop."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from services.common.errors import InvalidArgument

THUMBNAIL_SIDE = 320
THUMBNAIL_CONTENT_TYPE = "image/jpeg"
# Larger pictures are refused before decoding (a small file can hold a huge picture: a "bomb").
MAX_PIXELS = 50_000_000


@dataclass(frozen=True)
class ImageFacts:
    width: int
    height: int
    thumbnail: bytes  # JPEG


def inspect_image(path: Path, side: int = THUMBNAIL_SIDE) -> ImageFacts:
    """Width, height and a JPEG thumbnail of the image at `path`; InvalidArgument when Pillow cannot
    read it (a damaged file, or one that only pretends to be an image)."""
    try:
        with Image.open(path) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise InvalidArgument("Изображение слишком большое: не больше 50 мегапикселей")
            image.load()
            # Phone photos keep their orientation in EXIF: the preview shows them upright.
            upright = ImageOps.exif_transpose(image)
            if upright.size != (width, height):
                width, height = upright.size
            preview = upright.copy()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise InvalidArgument("Файл повреждён: не удалось прочитать изображение") from None
    preview.thumbnail((side, side), Image.Resampling.LANCZOS)
    if preview.mode not in ("RGB", "L"):
        # JPEG has no transparency: lay the picture on white.
        rgba = preview.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        preview = background
    out = io.BytesIO()
    preview.save(out, "JPEG", quality=82, optimize=True)
    return ImageFacts(width=width, height=height, thumbnail=out.getvalue())
