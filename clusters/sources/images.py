"""Lead images: downloaded within a size limit and kept as a Pillow thumbnail."""

from __future__ import annotations

import hashlib
import io
import warnings

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image, UnidentifiedImageError

from newsroom.outbound import fetch

ACCEPTED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}


class ImageRefused(Exception):
    """The image was not kept; the message says why in plain words."""


def make_thumbnail(data: bytes) -> bytes:
    """Returns a JPEG thumbnail of image bytes; refuses non-images and decompression bombs.

    The pixel count is checked from the header, before any pixel is decoded.
    """
    max_pixels = settings.NEWSROOM_IMAGE_MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED_FORMATS:
                raise ImageRefused(f"{image.format or 'This'} images are not accepted (JPEG, PNG, GIF or WebP only).")
            width, height = image.size
            if width * height > max_pixels:
                raise ImageRefused(
                    f"The image is {width}×{height} pixels, over the limit of {max_pixels:,} pixels "
                    "(a possible decompression bomb)."
                )
            image.draft("RGB", (settings.NEWSROOM_THUMBNAIL_SIZE, settings.NEWSROOM_THUMBNAIL_SIZE))
            image.thumbnail((settings.NEWSROOM_THUMBNAIL_SIZE, settings.NEWSROOM_THUMBNAIL_SIZE))
            image = image.convert("RGB")
    except ImageRefused:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        if isinstance(error, UnidentifiedImageError):
            raise ImageRefused("The file is not an image Pillow can read.") from error
        raise ImageRefused(
            f"The image was refused as a possible decompression bomb: its header claims more than "
            f"{max_pixels:,} pixels."
        ) from error
    except (OSError, ValueError, SyntaxError) as error:
        raise ImageRefused(f"The image is damaged ({error}).") from error
    output = io.BytesIO()
    image.save(output, "JPEG", quality=82, optimize=True)
    return output.getvalue()


def store_lead_image(article, *, image_url: str) -> None:
    """Downloads image_url, thumbnails it and saves it on the article (not yet saved to the database).

    Raises ImageRefused or newsroom.outbound.FetchError with the reason.
    """
    response = fetch(image_url, max_bytes=settings.NEWSROOM_IMAGE_MAX_BYTES, accept="image/*")
    thumbnail = make_thumbnail(response.body)
    name = hashlib.sha256(image_url.encode("utf-8")).hexdigest()[:20] + ".jpg"
    article.image.save(name, ContentFile(thumbnail), save=False)
