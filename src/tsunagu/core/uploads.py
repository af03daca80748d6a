"""Attachments sent by residents: sniff, check, clean and convert one uploaded file.

``attachment_prepare`` takes the bytes a resident uploaded (usually from a phone) and the
``AttachmentDef`` of the form, and returns a ``PreparedFile`` ready to store, or raises
``AttachmentError`` whose message tells the resident, politely and in plain words, what
happened and what to do next.

What it promises:

- The kind is judged from the bytes, never from the file name or the browser's content
  type. Only PDF and the image kinds of ``FileKind`` can pass; everything else (programs,
  web pages, SVG, archives, Office files, video) is refused, with a message that names
  what the resident sent when that is known.
- Every image is decoded in full and written again by the server (so a broken file is
  caught here, not by the member of staff who opens it), turned the right way up, reduced
  to ``MAX_SIDE`` pixels on its longest side, and stored without any metadata: no EXIF, no
  GPS position, no XMP, no comments. Only the colour profile is kept.
- HEIC/HEIF (iPhone photos) always become JPEG; WebP and TIFF become JPEG when the form
  accepts JPEG. ``PreparedFile.converted_from`` records the original kind.
- A PDF is stored as sent, after checks: a header and an end marker, no encryption, and no
  active content (JavaScript, launch actions, embedded files), also looked for inside
  compressed object streams. The check is a careful scan, not a full PDF parser, so PDFs
  must still be shown to staff in a viewer that runs no scripts.

Nothing here touches the database; messages are lazy translations (msgid = the Japanese).
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final, Protocol

import filetype
import pillow_heif
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _
from PIL import ExifTags, Image, ImageFile

from tsunagu.procedures.schema import AttachmentDef, FileKind

pillow_heif.register_heif_opener()

MB: Final = 1024 * 1024
# Longest side of a stored image; enough to read an A4 page photographed at full width.
MAX_SIDE: Final = 3000
# Larger than any phone camera's default mode (12 to 48 megapixels), far below what
# would exhaust a worker's memory.
MAX_PIXELS: Final = 50_000_000
JPEG_QUALITY: Final = 85
NAME_MAX: Final = 120
FALLBACK_STEM: Final = "添付ファイル"

CONTENT_TYPES: Final[dict[FileKind, str]] = {
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "heic": "image/heic",
    "webp": "image/webp",
    "tiff": "image/tiff",
}
EXTENSIONS: Final[dict[FileKind, str]] = {
    "pdf": "pdf",
    "jpeg": "jpg",
    "png": "png",
    "heic": "heic",
    "webp": "webp",
    "tiff": "tif",
}
# How each kind is named to residents, in the order they are listed.
_LABELS: Final[dict[FileKind, str]] = {
    "jpeg": "JPEG",
    "png": "PNG",
    "heic": "HEIC",
    "webp": "WebP",
    "tiff": "TIFF",
    "pdf": "PDF",
}
_IMAGE_KINDS: Final[dict[str, FileKind]] = {
    "jpeg": "jpeg",
    "png": "png",
    "heic": "heic",
    "webp": "webp",
    "tiff": "tiff",
}
_PIL_FORMATS: Final[dict[FileKind, str]] = {
    "jpeg": "JPEG",
    "png": "PNG",
    "heic": "HEIF",
    "webp": "WEBP",
    "tiff": "TIFF",
}


# --- messages -------------------------------------------------------------------------

M_EMPTY = _("ファイルの中身が空でした。もう一度ファイルを選んで送ってください。")
M_TOO_LARGE = _(
    "ファイルが大きすぎるため、受け付けられませんでした。"
    "%(limit)sまでのファイルを送ってください。"
    "写真は画質を下げて撮り直すと、PDFはページを分けて保存すると、小さくなります。"
)
M_UNREADABLE = _(
    "このファイルは壊れているか、写真やPDFではないため、読み込めませんでした。"
    "%(allowed)sのファイルを選び直すか、撮り直して送ってください。"
)
M_KIND = _(
    "%(detected)sのファイルは、この欄では受け付けていません。%(allowed)sのファイルを送ってください。"
)
M_PROGRAM = _(
    "プログラムやスクリプトのファイルは、安全のため受け付けられません。"
    "%(allowed)sのファイルを送ってください。"
)
M_MARKUP = _(
    "Webページ（HTML）やSVGのファイルは、安全のため受け付けられません。"
    "%(allowed)sのファイルを送ってください。"
)
M_ARCHIVE = _(
    "ZIPなどの圧縮ファイルは受け付けられません。"
    "中のファイルを取り出して、%(allowed)sのファイルを1つずつ送ってください。"
)
M_OFFICE = _(
    "WordやExcelなどのファイルは、そのままでは受け付けられません。"
    "%(allowed)sにしてから送ってください。"
)
M_MEDIA = _("動画や音声のファイルは受け付けられません。%(allowed)sのファイルを送ってください。")
M_PDF_BROKEN = _(
    "PDFが途中で切れているか壊れているため、読み込めませんでした。"
    "PDFを保存し直してから、もう一度送ってください。"
)
M_PDF_ENCRYPTED = _(
    "パスワードがかかったPDFは、こちらで開けないため受け付けられません。"
    "パスワードを外して保存し直したPDFを送ってください。"
)
M_PDF_ACTIVE = _(
    "このPDFには、プログラム（JavaScriptなど）や別のファイルが入っています。"
    "安全のため、このままでは受け付けられません。"
    "印刷の画面の「PDFに保存」などで保存し直したPDFを送ってください。"
)
M_IMAGE_BROKEN = _(
    "画像が途中で切れているか壊れているため、読み込めませんでした。"
    "もう一度撮影するか、画像を選び直して送ってください。"
)
M_TOO_MANY_PIXELS = _(  # "5000万画素" is MAX_PIXELS, written out for translators
    "画像の画素数が多すぎるため、読み込めませんでした。"
    "5000万画素までの画像を送ってください。"
    "スマートフォンのカメラを普段の設定にして撮った写真なら送れます。"
)
M_MULTIPAGE = _(
    "複数のページがあるTIFF画像は受け付けられません。"
    "PDFにするか、1ページずつ画像にして送ってください。"
)
M_IMAGES_OR_PDF = _("%(images)sまたはPDF")
M_IMAGES = _("写真（%(formats)s）")


def _interpolate(message: str | Promise, params: dict[str, str | Promise]) -> str:
    return str(message) % {key: str(value) for key, value in params.items()}


# Formatting stays lazy, so a message is rendered in the language of the page showing it.
_lazy_interpolate = lazy(_interpolate, str)


def _fmt(message: str | Promise, **params: str | Promise) -> str | Promise:
    return _lazy_interpolate(message, params)


class AttachmentError(Exception):
    """A file that cannot be accepted; ``message`` is shown to the resident as it is.

    ``code`` says why in one word, for logs and drop-off figures: ``empty``,
    ``too_large``, ``unreadable``, ``kind``, ``program``, ``markup``, ``archive``,
    ``office``, ``media``, ``pdf_broken``, ``pdf_encrypted``, ``pdf_active``,
    ``image_broken``, ``too_many_pixels``, ``multipage``.
    """

    def __init__(self, message: str | Promise, code: str = "unreadable") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class PreparedFile:
    """A checked file, ready to store. ``kind`` and ``content_type`` describe ``content``.

    ``extension`` has no dot (``"jpg"``). ``original_name`` is the resident's file name,
    cleaned, ending in ``extension``. ``converted_from`` is the kind that was sent when
    the server converted it (``"heic"``), else ``None``. ``width``/``height`` are those
    of the stored image; ``pages`` is the page count of a PDF when the file states it.
    """

    content: bytes = field(repr=False)
    content_type: str
    extension: str
    original_name: str
    size: int
    sha256: str
    kind: FileKind
    converted_from: FileKind | None = None
    width: int | None = None
    height: int | None = None
    pages: int | None = None


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def attachment_prepare(
    *,
    data: bytes | bytearray | memoryview | Readable,
    filename: str,
    spec: AttachmentDef,
    max_bytes: int | None = None,
) -> PreparedFile:
    """Check one uploaded file against ``spec`` and return what to store.

    ``data`` is the content, or a file-like object (read from its start when it can seek,
    and never beyond the size limit). The limit is ``spec.max_mb``; ``max_bytes`` can
    lower it (for example to the space left for an application), never raise it. Raises
    ``AttachmentError`` and nothing else for anything wrong with the content.

    Example::

        >>> spec = AttachmentDef(id="photo", label={"ja": "写真", "en": "Photo"})
        >>> f = attachment_prepare(data=heic_bytes, filename="IMG_0001.HEIC", spec=spec)
        >>> (f.kind, f.converted_from, f.original_name)
        ('jpeg', 'heic', 'IMG_0001.jpg')
    """
    limit = spec.max_mb * MB if max_bytes is None else min(max_bytes, spec.max_mb * MB)
    content = _read(data, limit)
    kinds: frozenset[FileKind] = frozenset(spec.kinds)
    allowed = _allowed_phrase(spec.kinds)
    if not content:
        raise AttachmentError(M_EMPTY, "empty")
    if len(content) > limit:
        raise AttachmentError(_fmt(M_TOO_LARGE, limit=_limit_text(limit)), "too_large")

    detected, label = _sniff(content)
    if detected == "pdf":
        if "pdf" not in kinds:
            raise AttachmentError(_fmt(M_KIND, detected="PDF", allowed=allowed), "kind")
        pages = _pdf_check(content)
        return _result(content, "pdf", None, filename, pages=pages)
    source = _IMAGE_KINDS.get(detected)
    if source is not None:
        target = _image_target(source, kinds)
        if target is None:
            raise AttachmentError(_fmt(M_KIND, detected=_LABELS[source], allowed=allowed), "kind")
        out, out_kind, width, height = _image_prepare(
            content, source, target, kinds=kinds, limit=limit, allowed=allowed
        )
        return _result(
            out,
            out_kind,
            source if out_kind != source else None,
            filename,
            width=width,
            height=height,
        )
    message = {
        "program": M_PROGRAM,
        "markup": M_MARKUP,
        "archive": M_ARCHIVE,
        "office": M_OFFICE,
        "media": M_MEDIA,
    }.get(detected)
    if message is not None:
        raise AttachmentError(_fmt(message, allowed=allowed), detected)
    if label:
        raise AttachmentError(_fmt(M_KIND, detected=label, allowed=allowed), "kind")
    raise AttachmentError(_fmt(M_UNREADABLE, allowed=allowed), "unreadable")


def attachment_name_clean(*, filename: str, extension: str) -> str:
    """A safe display and download name: no path, no control or direction characters.

    The name is NFC-normalised, its own extension (if any) is replaced by ``extension``,
    and it is at most ``NAME_MAX`` characters; an empty result becomes "添付ファイル".

    Example::

        >>> attachment_name_clean(filename="C:\\\\Users\\\\me\\\\住民票.PDF", extension="pdf")
        '住民票.pdf'
    """
    name = re.split(r"[/\\]", filename)[-1]
    name = _CONTROL_SPACE.sub(" ", name)
    name = "".join(ch for ch in name if unicodedata.category(ch) not in _DROP_CATEGORIES)
    name = unicodedata.normalize("NFC", name)  # after the removals, which can undo it
    name = _WINDOWS_FORBIDDEN.sub("_", name)
    name = _SPACES.sub(" ", name).strip(" \u3000")
    stem, dot, ext = name.rpartition(".")
    if dot and _EXTENSION.fullmatch(ext):
        name = stem
    name = name.strip(_TRIM)
    if name.split(".")[0].upper() in _WINDOWS_RESERVED:
        name = "_" + name
    name = name[: NAME_MAX - len(extension) - 1].rstrip(_TRIM) or FALLBACK_STEM
    name = unicodedata.normalize("NFC", name)  # a cut can split a composed sequence
    return f"{name}.{extension}"


# --- reading and sniffing -------------------------------------------------------------


def _read(data: bytes | bytearray | memoryview | Readable, limit: int) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, bytearray | memoryview):
        return bytes(data)
    seek = getattr(data, "seek", None)
    seekable = getattr(data, "seekable", None)
    if callable(seek) and (not callable(seekable) or seekable()):
        seek(0)
    chunks: list[bytes] = []
    total = 0
    while total <= limit:  # one byte past the limit is enough to know it is too large
        chunk = data.read(min(4 * MB, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


_HEIF_BRANDS: Final = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}
)
_AVIF_BRANDS: Final = frozenset({b"avif", b"avis"})
_MACHO: Final = (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe")
_MARKUP_TAGS: Final = (
    b"<!doctype html",
    b"<html",
    b"<head",
    b"<body",
    b"<script",
    b"<svg",
    b"<iframe",
    b"<?xml",
    b"<!--",
)
_PROGRAM_EXTENSIONS: Final = frozenset({"exe", "elf", "dex", "swf", "wasm", "class", "crx"})
_ARCHIVE_EXTENSIONS: Final = frozenset(
    "zip tar rar gz bz2 7z xz cab deb ar Z lz lz4 lzo zst br rpm epub apk jar".split()
)
_OFFICE_EXTENSIONS: Final = frozenset(
    {"doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp", "rtf"}
)


def _sniff(data: bytes) -> tuple[str, str]:
    """What the bytes are: a ``FileKind``, or a category of refused file plus its label."""
    head = data[:64]
    if head.startswith(b"%PDF-"):
        return "pdf", ""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg", ""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png", ""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp", ""
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        # Canon's raw files are TIFF inside; DNG is recognised once the tags are read.
        return ("other", "RAW") if head[8:10] == b"CR" else ("tiff", "")
    if head[4:8] == b"ftyp":
        size = int.from_bytes(head[:4], "big")
        box = data[8 : max(16, min(size, 256))]
        brands = {box[i : i + 4] for i in range(0, len(box) - 3, 4)}
        if brands & _AVIF_BRANDS:
            return "other", "AVIF"
        if brands & _HEIF_BRANDS:
            return "heic", ""
        return "media", ""
    if head.startswith((b"MZ", b"\x7fELF", b"\x00asm", b"\xca\xfe\xba\xbe")) or head[:4] in _MACHO:
        return "program", ""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        start = data[:4096]
        if (
            b"[Content_Types].xml" in start
            or b"word/" in start
            or b"mimetypeapplication/vnd.oasis" in start
        ):
            return "office", ""
        return "archive", ""
    if head.startswith((b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"{\\rtf")):
        return "office", ""
    text = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n\x0c").lower()
    if text.startswith((b"#!", b"<?php", b"<%", b"@echo off")):
        return "program", ""
    if any(tag in text for tag in _MARKUP_TAGS):
        return "markup", ""
    guess = filetype.guess(data[:8192])
    if guess is not None:
        ext: str = guess.extension
        mime: str = guess.mime
        if ext in _PROGRAM_EXTENSIONS:
            return "program", ""
        if ext in _ARCHIVE_EXTENSIONS:
            return "archive", ""
        if ext in _OFFICE_EXTENSIONS:
            return "office", ""
        if mime.startswith(("video/", "audio/")):
            return "media", ""
        if mime.startswith("image/"):
            return "other", ext.upper()
    return "unknown", ""


def _allowed_phrase(kinds: Iterable[FileKind]) -> str | Promise:
    kind_set = set(kinds)
    images = [label for kind, label in _LABELS.items() if kind != "pdf" and kind in kind_set]
    if not images:
        return "PDF"
    photos = _fmt(M_IMAGES, formats="・".join(images))
    return _fmt(M_IMAGES_OR_PDF, images=photos) if "pdf" in kind_set else photos


def _limit_text(limit: int) -> str:
    if limit >= MB:
        mb = math.floor(limit / MB * 10) / 10
        return f"{mb:g}MB"
    return f"{max(limit // 1024, 1)}KB"


def _result(
    content: bytes,
    kind: FileKind,
    converted_from: FileKind | None,
    filename: str,
    *,
    width: int | None = None,
    height: int | None = None,
    pages: int | None = None,
) -> PreparedFile:
    return PreparedFile(
        content=content,
        content_type=CONTENT_TYPES[kind],
        extension=EXTENSIONS[kind],
        original_name=attachment_name_clean(filename=filename, extension=EXTENSIONS[kind]),
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        kind=kind,
        converted_from=converted_from,
        width=width,
        height=height,
        pages=pages,
    )


# --- file names -----------------------------------------------------------------------

# Tabs and line breaks become spaces; other control, format (RLO, zero-width, BOM),
# surrogate, private-use, unassigned and line/paragraph separator characters go.
_CONTROL_SPACE: Final = re.compile(r"[\t\n\r\x0b\x0c\x85\u2028\u2029]+")
_DROP_CATEGORIES: Final = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_WINDOWS_FORBIDDEN: Final = re.compile(r'[<>:"|?*]')
_SPACES: Final = re.compile(r" {2,}")
_TRIM: Final = " .\u3000"
# An extension has a letter: "v1.2" keeps its ".2", "scan.jpeg" loses ".jpeg".
_EXTENSION: Final = re.compile(r"(?=[0-9]*[A-Za-z])[A-Za-z0-9]{1,5}")
_WINDOWS_RESERVED: Final = frozenset(
    {"CON", "PRN", "AUX", "NUL"} | {f"{p}{i}" for p in ("COM", "LPT") for i in range(1, 10)}
)


# --- images ---------------------------------------------------------------------------


def _image_target(source: FileKind, kinds: frozenset[FileKind]) -> FileKind | None:
    """The kind to store an image as, or ``None`` when this form cannot take it."""
    if source == "heic":
        # Browsers other than Safari cannot show HEIC, so it is never stored.
        return "jpeg" if kinds & {"heic", "jpeg"} else None
    if source in ("webp", "tiff") and "jpeg" in kinds:
        return "jpeg"
    return source if source in kinds else None


def _image_prepare(
    data: bytes,
    source: FileKind,
    target: FileKind,
    *,
    kinds: frozenset[FileKind],
    limit: int,
    allowed: str | Promise,
) -> tuple[bytes, FileKind, int, int]:
    try:
        img, icc, turn = _image_decode(data, source)
        if target == "jpeg":
            img = _flatten(img)
        img = _image_fit(img, MAX_SIDE)
        if turn is not None:  # after reducing: fewer pixels to move
            img = img.transpose(turn)
        img = _plain(img)
        out = _image_encode(img, target, icc)
        if len(out) > limit and target == "png":
            if len(out) < limit * 1.25:  # optimising is slow and saves a few percent
                out = _image_encode(img, "png", icc, optimize=True)
            if len(out) > limit and "jpeg" in kinds:
                target, img = "jpeg", _flatten(img)
                out = _image_encode(img, "jpeg", icc)
        if len(out) > limit and target == "jpeg":
            out = _image_encode(img, "jpeg", icc, quality=70)
            if len(out) > limit:
                img = _image_fit(img, 2000)
                out = _image_encode(img, "jpeg", icc, quality=70)
    except _CameraRaw as exc:
        raise AttachmentError(_fmt(M_KIND, detected="RAW", allowed=allowed), "kind") from exc
    except AttachmentError:
        raise
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels() from exc
    except Exception as exc:
        # Pillow and libheif report damaged data with many exception types (OSError,
        # SyntaxError, ValueError, struct.error, EOFError, ...); to the resident they all
        # mean the same thing.
        raise AttachmentError(M_IMAGE_BROKEN, "image_broken") from exc
    if len(out) > limit:
        raise AttachmentError(_fmt(M_TOO_LARGE, limit=_limit_text(limit)), "too_large")
    return out, target, img.width, img.height


class _CameraRaw(Exception):
    pass


def _too_many_pixels() -> AttachmentError:
    return AttachmentError(M_TOO_MANY_PIXELS, "too_many_pixels")


def _image_decode(
    data: bytes, source: FileKind
) -> tuple[Image.Image, bytes | None, Image.Transpose | None]:
    """Decode in full; return the image, its colour profile and the turn that makes it upright."""
    with Image.open(io.BytesIO(data), formats=[_PIL_FORMATS[source]]) as im:
        width, height = im.size
        if width < 1 or height < 1 or width * height > MAX_PIXELS:
            raise _too_many_pixels()
        if source == "tiff":
            if getattr(im, "n_frames", 1) > 1:
                raise AttachmentError(M_MULTIPAGE, "multipage")
            if 50706 in getattr(im, "tag_v2", {}):  # DNGVersion: a camera raw file
                raise _CameraRaw
        if source == "jpeg" and max(width, height) > MAX_SIDE:
            # libjpeg can decode at 1/2, 1/4 or 1/8 scale: much faster for 48-megapixel
            # photos, and the result still has at least MAX_SIDE pixels on its long side.
            scale = MAX_SIDE / max(width, height)
            im.draft(None, (math.ceil(width * scale), math.ceil(height * scale)))
        im.load()
        try:
            # EXIF, or XMP tiff:Orientation, as ImageOps.exif_transpose reads it. Read after
            # loading: Pillow turns a TIFF upright itself and pillow-heif applies the HEIF
            # rotation, so nothing is left for those. Damaged EXIF does not spoil good
            # pixels: upright.
            orientation = im.getexif().get(ExifTags.Base.Orientation, 1)
        except Exception:
            orientation = 1
        icc = im.info.get("icc_profile")
        return im, icc if isinstance(icc, bytes) and icc else None, _TRANSPOSE.get(orientation)


def _plain(img: Image.Image) -> Image.Image:
    """A plain Image with no metadata: no EXIF, XMP, comments, and no TIFF tags."""
    transparency = img.info.get("transparency")
    if isinstance(img, ImageFile.ImageFile):
        img = img.copy()
    img.info = {} if transparency is None else {"transparency": transparency}
    return img


_TRANSPOSE: Final = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_WIDE_MODES: Final = frozenset({"I", "I;16", "I;16L", "I;16B", "I;16N", "F"})


def _flatten(img: Image.Image) -> Image.Image:
    """RGB or L, as JPEG needs: transparency on white, 16-bit and float scaled to 8-bit."""
    if img.mode in ("RGB", "L") and "transparency" not in img.info:
        return img
    if img.mode in _WIDE_MODES:
        wide = img if img.mode in ("I", "F") else img.convert("I")
        high = wide.getextrema()[1]
        scale = 255 / high if isinstance(high, int | float) and high > 255 else 1
        out = wide.point(lambda v: v * scale).convert("L")
    elif img.mode == "1":
        out = img.convert("L")
    elif "A" in img.mode or "a" in img.mode or "transparency" in img.info:
        rgba = img.convert("RGBA")
        out = Image.new("RGB", img.size, (255, 255, 255))
        out.paste(rgba, mask=rgba.getchannel("A"))
    else:
        out = img.convert("RGB")
    out.info = {}
    return out


def _image_fit(img: Image.Image, side: int) -> Image.Image:
    if max(img.size) <= side:
        return img
    if "transparency" in img.info:
        img = img.convert("RGBA")
    elif img.mode in ("1", "P"):  # these modes can only be resized by dropping pixels
        img = img.convert("L" if img.mode == "1" else "RGB")
    scale = side / max(img.size)
    size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
    out = img.resize(size, Image.Resampling.LANCZOS)
    out.info = {}
    return out


_PNG_MODES: Final = frozenset({"1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"})
_GRAY_MODES: Final = frozenset({"1", "L", "LA", "I", "I;16"})


def _image_encode(
    img: Image.Image,
    kind: FileKind,
    icc: bytes | None,
    *,
    quality: int = JPEG_QUALITY,
    optimize: bool = False,
) -> bytes:
    """Write the pixels only: no EXIF, XMP, comment or text; the colour profile if it fits."""
    params: dict[str, object] = {}
    buf = io.BytesIO()
    if kind == "jpeg":
        _add_icc(params, icc, img.mode)
        img.save(buf, "JPEG", quality=quality, optimize=True, **params)
    elif kind == "png":
        if img.mode not in _PNG_MODES:
            img = img.convert("RGBA" if "A" in img.mode or "a" in img.mode else "RGB")
        _add_icc(params, icc, img.mode)
        if "transparency" in img.info:
            params["transparency"] = img.info["transparency"]
        # Level 3 is several times faster than the default 6 on photographs saved as PNG
        # and about as small on screenshots; "optimize" is the slow, small retry.
        img.save(buf, "PNG", optimize=optimize, compress_level=9 if optimize else 3, **params)
    elif kind == "webp":
        if img.mode not in ("RGB", "RGBA"):
            alpha = "A" in img.mode or "a" in img.mode or "transparency" in img.info
            img = img.convert("RGBA" if alpha else "RGB")
        _add_icc(params, icc, img.mode)
        img.save(buf, "WEBP", quality=quality, **params)
    else:  # tiff, kept only when the form takes TIFF but not JPEG
        _add_icc(params, icc, img.mode)
        img.save(buf, "TIFF", compression="tiff_deflate", **params)
    return buf.getvalue()


def _add_icc(params: dict[str, object], icc: bytes | None, mode: str) -> None:
    # A profile describes one colour space (bytes 16-20 of its header); a CMYK profile on
    # pixels converted to RGB would show wrong colours.
    if icc and icc[16:20] == (b"GRAY" if mode in _GRAY_MODES else b"RGB "):
        params["icc_profile"] = icc


# --- PDF ------------------------------------------------------------------------------

_PDF_ACTIVE: Final = frozenset(
    {b"JS", b"JavaScript", b"Launch", b"EmbeddedFile", b"EmbeddedFiles", b"RichMedia"}
)
_PDF_TOKEN: Final = re.compile(
    rb"[\x00\t\n\x0c\r ]+"
    rb"|%[^\r\n]*"
    rb"|(?P<name>/[^\x00\t\n\x0c\r ()<>\[\]{}/%]*)"
    rb"|(?P<open><<)"
    rb"|(?P<close>>>)"
    rb"|(?P<hex><[^<>]*>)"
    rb"|(?P<str>\()"
    rb"|(?P<arr>\[)"
    rb"|(?P<endarr>\])"
    rb"|(?P<word>[^\x00\t\n\x0c\r ()<>\[\]{}/%]+)"
    rb"|(?P<junk>[\s\S])"
)
_PDF_STRING_SPECIAL: Final = re.compile(rb"[()\\]")
_PDF_NAME_ESCAPE: Final = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_INT: Final = re.compile(rb"[+-]?\d{1,12}")
_PDF_MAX_TOKENS: Final = 3_000_000
_PDF_MAX_INFLATED: Final = 64 * MB

# A token as kept for the top-level dictionaries: (kind, value).
_Token = tuple[str, object]


@dataclass
class _PdfScan:
    data: bytes
    active: bool = False
    encrypted: bool = False
    unreadable: bool = False
    objects: int = 0
    tokens: int = 0
    inflated: int = 0
    page_counts: set[int] = field(default_factory=set)
    integers: dict[tuple[int, int], int] | None = None  # "n g obj <int> endobj", on demand


def _pdf_check(data: bytes) -> int | None:
    """Refuse a PDF that is cut off, encrypted or active; return its page count if known."""
    if not re.match(rb"%PDF-\d\.\d", data) or b"%%EOF" not in data[-1024:]:
        raise AttachmentError(M_PDF_BROKEN, "pdf_broken")
    scan = _PdfScan(data)
    try:
        _pdf_scan(data, scan, top=True)
    except _PdfTooComplex as exc:
        raise AttachmentError(M_PDF_BROKEN, "pdf_broken") from exc
    if scan.encrypted:
        raise AttachmentError(M_PDF_ENCRYPTED, "pdf_encrypted")
    if scan.active:
        raise AttachmentError(M_PDF_ACTIVE, "pdf_active")
    if scan.unreadable or not scan.objects:
        raise AttachmentError(M_PDF_BROKEN, "pdf_broken")
    if len(scan.page_counts) == 1:
        (pages,) = scan.page_counts
        return pages if 0 < pages < 100_000 else None
    return None


class _PdfTooComplex(Exception):
    pass


def _pdf_scan(data: bytes, scan: _PdfScan, *, top: bool) -> None:
    """Walk the tokens outside streams: names, top-level dictionaries, object streams.

    Strings and comments are skipped as a PDF reader skips them, so a name written inside
    a string is not taken for a key, and a stream's binary data is never read as tokens.
    """
    pos, end = 0, len(data)
    stack: list[str] = []  # "d" for a dictionary, "a" for an array
    level: list[_Token] = []  # tokens directly inside the current top-level dictionary
    array: list[_Token] = []  # tokens directly inside an array of that dictionary
    last: dict[bytes, _Token] = {}  # the last top-level dictionary closed
    while pos < end:
        m = _PDF_TOKEN.match(data, pos)
        assert m is not None  # the last alternative matches any byte  # noqa: S101
        pos = m.end()
        kind = m.lastgroup
        if kind is None or kind == "junk":
            continue
        scan.tokens += 1
        if scan.tokens > _PDF_MAX_TOKENS:
            raise _PdfTooComplex
        token: _Token
        if kind == "open" or kind == "arr":
            placeholder: _Token = ("dict" if kind == "open" else "arr", None)
            if stack == ["d"]:
                if kind == "open":
                    level.append(placeholder)
                else:
                    array = []
            elif stack == ["d", "a"]:
                array.append(placeholder)
            if not stack and kind == "open":
                level = []
            stack.append("d" if kind == "open" else "a")
            continue
        if kind == "close" or kind == "endarr":
            expected = "d" if kind == "close" else "a"
            if stack and stack[-1] == expected:
                stack.pop()
                if not stack and kind == "close":
                    last = _pdf_pairs(level)
                    _pdf_note_dict(last, scan)
                elif stack == ["d"] and kind == "endarr":
                    level.append(("arr", array))
            continue
        if kind == "name":
            name = _PDF_NAME_ESCAPE.sub(lambda e: bytes([int(e[1], 16)]), m[0][1:])
            if name in _PDF_ACTIVE:
                scan.active = True
            elif name == b"Encrypt":
                scan.encrypted = True
            token = ("name", name)
        elif kind == "str":
            pos = _pdf_skip_string(data, pos)
            if pos < 0:  # never closed: whatever follows is hidden from this scan
                scan.unreadable = True
                return
            token = ("str", None)
        elif kind == "hex":
            token = ("hex", None)
        else:
            word = m[0]
            if _PDF_INT.fullmatch(word):
                token = ("int", int(word))
            elif word == b"obj":
                scan.objects += 1
                stack = []
                continue
            elif word in (b"endobj", b"trailer"):
                stack = []
                continue
            elif word == b"xref" and top:
                trailer = data.find(b"trailer", pos)  # the table is offsets only
                pos = trailer if trailer >= 0 else pos
                continue
            elif word == b"stream" and top:
                pos = _pdf_stream(pos, last, scan)
                stack, last = [], {}
                continue
            else:
                token = ("word", word)
        if stack == ["d"]:
            level.append(token)
        elif stack == ["d", "a"]:
            array.append(token)


def _pdf_skip_string(data: bytes, pos: int) -> int:
    depth = 1
    while depth:
        m = _PDF_STRING_SPECIAL.search(data, pos)
        if m is None:
            return -1
        if m[0] == b"\\":
            pos = m.end() + 1
            continue
        pos = m.end()
        depth += 1 if m[0] == b"(" else -1
    return pos


def _pdf_pairs(tokens: list[_Token]) -> dict[bytes, _Token]:
    out: dict[bytes, _Token] = {}
    i = 0
    while i < len(tokens):
        key, value = tokens[i][1], tokens[i + 1 : i + 4]
        if tokens[i][0] != "name" or not isinstance(key, bytes) or not value:
            i += 1
        elif len(value) == 3 and value[0][0] == value[1][0] == "int" and value[2] == ("word", b"R"):
            out[key] = ("ref", (value[0][1], value[1][1]))
            i += 4
        else:
            out[key] = value[0]
            i += 2
    return out


def _pdf_note_dict(d: dict[bytes, _Token], scan: _PdfScan) -> None:
    count = d.get(b"Count")
    if d.get(b"Type") == ("name", b"Pages") and b"Parent" not in d and count:
        if count[0] == "int" and isinstance(count[1], int):
            scan.page_counts.add(count[1])


def _pdf_stream(pos: int, d: dict[bytes, _Token], scan: _PdfScan) -> int:
    """Skip the stream starting at ``pos``; scan it first if it is an object stream."""
    data = scan.data
    if data.startswith(b"\r\n", pos):
        pos += 2
    elif data[pos : pos + 1] in (b"\n", b"\r"):
        pos += 1
    stop = -1
    length = _pdf_length(d.get(b"Length"), scan)
    if length is not None and pos + length <= len(data):
        after = data[pos + length : pos + length + 32].lstrip(b"\x00\t\n\x0c\r ")
        if after.startswith(b"endstream"):
            stop = pos + length
    if stop < 0:
        stop = data.find(b"endstream", pos)
        stop = len(data) if stop < 0 else stop
    if d.get(b"Type") == ("name", b"ObjStm"):
        _pdf_object_stream(data[pos:stop], d, scan)
    following = data.find(b"endstream", stop)
    return len(data) if following < 0 else following + len(b"endstream")


_PDF_INT_OBJECT: Final = re.compile(
    rb"(?<![0-9])(\d{1,10})\s+(\d{1,5})\s+obj\s*(\d{1,12})\s*endobj"
)


def _pdf_length(token: _Token | None, scan: _PdfScan) -> int | None:
    if token is None:
        return None
    if token[0] == "int" and isinstance(token[1], int):
        return token[1] if token[1] >= 0 else None
    if token[0] == "ref" and isinstance(token[1], tuple):
        if scan.integers is None:  # built once, for writers that give /Length as "12 0 R"
            scan.integers = {
                (int(m[1]), int(m[2])): int(m[3]) for m in _PDF_INT_OBJECT.finditer(scan.data)
            }
        return scan.integers.get(token[1])
    return None


def _pdf_object_stream(raw: bytes, d: dict[bytes, _Token], scan: _PdfScan) -> None:
    """Scan the objects packed in an object stream, where dictionaries can hide."""
    filters = d.get(b"Filter")
    names: list[object] = []
    if filters is not None:
        if filters[0] == "name":
            names = [filters[1]]
        elif filters[0] == "arr" and isinstance(filters[1], list):
            names = [t[1] if t[0] == "name" else None for t in filters[1]]
        else:
            names = [None]
    if names not in ([], [b"FlateDecode"]) or b"DecodeParms" in d:
        # What is inside cannot be seen without undoing this packing, so it is not
        # accepted. Writers use plain Flate for object streams.
        scan.unreadable = True
        return
    if names:
        inflater = zlib.decompressobj()
        try:
            raw = inflater.decompress(raw, _PDF_MAX_INFLATED - scan.inflated)
        except zlib.error:
            scan.unreadable = True
            return
        if inflater.unconsumed_tail:
            raise _PdfTooComplex
        scan.inflated += len(raw)
    _pdf_scan(raw, scan, top=False)
