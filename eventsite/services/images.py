"""Images (an event's, a speaker's photo, an organisation's logo): an upload is decoded,
checked and re-encoded, never served as it came.

Re-encoding drops metadata (camera, location) and anything hidden in the file; the stored
names are random, so nothing the uploader chose reaches a path or a URL.
"""

from __future__ import annotations

import re
import shutil
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from eventsite.services.errors import ValidationError

ACCEPTED = {"JPEG", "PNG", "WEBP", "GIF"}
MAX_PIXELS = 40_000_000  # decompression bombs beyond this are refused, not decoded
MAX_SIDE = 12_000  # pixels, either way
MIN_SIDE = 16
MAX_ASPECT = 8  # a banner 8 times wider than high is the most a page can show usefully
SIZES = {"large": 1200, "small": 480}  # widths: the event page, the listings
NAME = re.compile(r"^[0-9a-f]{32}-(large|small)\.webp$")


@dataclass(frozen=True)
class ImageChoice:
    """What a form asks of a record's image: a newly stored one, its removal, or neither."""

    new_id: str | None = None
    remove: bool = False

    def apply(self, current: str | None) -> tuple[str | None, str | None]:
        """The image id to keep, and the one whose files go once that is saved (or None)."""
        if self.new_id:
            return self.new_id, current if current != self.new_id else None
        if self.remove:
            return None, current
        return current, None


UNCHANGED = ImageChoice()


def upload_folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "events"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store_event_image(stream: BinaryIO, field: str = "image") -> str:
    """Check an uploaded image and keep it in two sizes; returns its stored id."""
    data = stream.read(current_app.config["MAX_IMAGE_BYTES"] + 1)
    if len(data) > current_app.config["MAX_IMAGE_BYTES"]:
        limit = current_app.config["MAX_IMAGE_BYTES"] / (1024 * 1024)
        raise ValidationError({field: f"is too large: at most {limit:.2g} MB"})
    image = _open_checked(data, field)
    image_id = uuid.uuid4().hex
    folder = upload_folder()
    try:
        for size, width in SIZES.items():
            copy = image.copy()
            if copy.width > width:
                copy = copy.resize((width, max(1, round(copy.height * width / copy.width))),
                                   Image.Resampling.LANCZOS)
            copy.save(folder / f"{image_id}-{size}.webp", "WEBP", quality=82, method=4)
    except (OSError, ValueError):
        delete_event_image(image_id)  # never a half-stored image
        raise ValidationError({field: "could not be stored; try another image"}) from None
    return image_id


def _open_checked(data: bytes, field: str) -> Image.Image:
    from io import BytesIO

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(BytesIO(data))
            if probe.format not in ACCEPTED:
                raise ValidationError({field: "must be a JPEG, PNG, WebP or GIF image"})
            width, height = probe.size
            if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
                raise ValidationError({field: f"is too large ({width}×{height} pixels; at "
                                              f"most {MAX_SIDE} on a side)"})
            if min(width, height) < MIN_SIDE:
                raise ValidationError({field: f"is too small ({width}×{height} pixels; at "
                                              f"least {MIN_SIDE} on a side)"})
            if max(width, height) > MAX_ASPECT * min(width, height):
                raise ValidationError({field: f"is too long and thin ({width}×{height} "
                                              f"pixels); use a picture at most {MAX_ASPECT} "
                                              f"times wider than high, or the reverse"})
            probe.verify()  # structure check; the image must be opened again afterwards
            image = Image.open(BytesIO(data))
            image.load()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError({field: "is not an image we can read (use JPEG, PNG, WebP or "
                                      "GIF)"}) from None
    image = ImageOps.exif_transpose(image)  # phones store rotation as metadata
    return image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")


def copy_event_image(image_id: str | None) -> str | None:
    """Files of its own for a copied event; None when there is no image (or it is gone)."""
    if not image_id:
        return None
    folder = upload_folder()
    sources = {size: folder / f"{image_id}-{size}.webp" for size in SIZES}
    if not all(path.is_file() for path in sources.values()):
        return None
    copy_id = uuid.uuid4().hex
    for size, source in sources.items():
        shutil.copyfile(source, folder / f"{copy_id}-{size}.webp")
    return copy_id


def delete_event_image(image_id: str | None) -> None:
    if not image_id:
        return
    for size in SIZES:
        (upload_folder() / f"{image_id}-{size}.webp").unlink(missing_ok=True)


def unclaimed_image(image_id: str | None) -> str | None:
    """`image_id` if it names a stored image that no event, speaker or organisation uses yet
    (one uploaded with a form that then needed correcting), else None: a form may not point
    at another record's file."""
    from eventsite.extensions import db
    from eventsite.models import Event, Organisation, Speaker

    if not image_id or image_path(f"{image_id}-large.webp") is None:
        return None
    used = db.session.scalar(db.select(Event.id).where(Event.image_id == image_id).union_all(
        db.select(Speaker.id).where(Speaker.photo_id == image_id),
        db.select(Organisation.id).where(Organisation.logo_id == image_id)).limit(1))
    return None if used is not None else image_id


def image_path(name: str) -> Path | None:
    """The stored file for a public name like '<id>-large.webp', or None."""
    if not NAME.match(name):
        return None
    path = upload_folder() / name
    return path if path.is_file() else None
