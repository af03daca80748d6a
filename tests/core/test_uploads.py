"""Attachment preparation: every fixture is generated here with Pillow / pillow-heif."""

from __future__ import annotations

import io
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Callable
from typing import Any

import pillow_heif
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image, ImageDraw

from tsunagu.core.uploads import (
    MAX_SIDE,
    NAME_MAX,
    AttachmentError,
    PreparedFile,
    attachment_name_clean,
    attachment_prepare,
)
from tsunagu.procedures.schema import AttachmentDef

pillow_heif.register_heif_opener()

ALL_KINDS = ["pdf", "jpeg", "png", "heic", "webp", "tiff"]
IMAGES = ["jpeg", "png", "heic"]
GPS_MAKER = "TsunaguTestMaker"
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
    b'22-rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
    b'exif:GPSLatitude="36,23.8N"/></rdf:RDF></x:xmpmeta>'
)
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# --- fixtures ---------------------------------------------------------------------------


def spec(kinds: list[str] | None = None, max_mb: int = 10) -> AttachmentDef:
    data: dict[str, Any] = {"id": "doc", "label": {"ja": "書類", "en": "Document"}}
    if kinds is not None:
        data["kinds"] = kinds
    return AttachmentDef(max_mb=max_mb, **data)


def picture(size: tuple[int, int] = (64, 48), mode: str = "RGB") -> Image.Image:
    """White, with a red block in the top-left corner (to see where "up" went)."""
    img = Image.new("RGB", size, "white")
    ImageDraw.Draw(img).rectangle((0, 0, size[0] // 4, size[1] // 4), fill=(255, 0, 0))
    return img.convert(mode)


def gps_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = GPS_MAKER
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (36.0, 23.0, 50.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (140.0, 32.0, 4.0),
    }
    return exif


def encode(img: Image.Image, fmt: str, **params: Any) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **params)
    return buf.getvalue()


def jpeg(size: tuple[int, int] = (64, 48), **params: Any) -> bytes:
    return encode(picture(size), "JPEG", quality=90, **params)


def png(size: tuple[int, int] = (64, 48), mode: str = "RGB", **params: Any) -> bytes:
    return encode(picture(size, mode), "PNG", **params)


def heic(size: tuple[int, int] = (64, 48), **params: Any) -> bytes:
    return encode(picture(size), "HEIF", quality=80, **params)


def pdf(*objects: bytes, trailer: bytes = b"", root: int = 1) -> bytes:
    """A well-formed PDF: the given objects numbered from 1, a cross-reference table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R %s>>\n" % (len(objects) + 1, root, trailer)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (dictionary, len(data), data)


CONTENT = stream(b"", b"BT /F1 24 Tf 72 720 Td (Hello) Tj ET")
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>"


def simple_pdf(*extra: bytes, catalog: bytes = b"", trailer: bytes = b"") -> bytes:
    return pdf(
        b"<< /Type /Catalog /Pages 2 0 R %s>>" % catalog,
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        PAGE,
        CONTENT,
        *extra,
        trailer=trailer,
    )


def object_stream(objects: dict[int, bytes], dictionary: bytes = b"/Filter /FlateDecode") -> bytes:
    """An object stream (PDF 1.5) holding ``objects``; compressed when the filter says so."""
    body, header = b"", []
    for number, obj in objects.items():
        header.append(b"%d %d" % (number, len(body)))
        body += obj + b"\n"
    head = b" ".join(header) + b"\n"
    raw = head + body
    if b"FlateDecode" in dictionary:
        raw = zlib.compress(raw)
    return stream(b"/Type /ObjStm /N %d /First %d %s" % (len(objects), len(head), dictionary), raw)


def objstm_pdf(*, hidden: bytes, dictionary: bytes = b"/Filter /FlateDecode") -> bytes:
    """Catalog and page tree packed in a compressed object stream (objects 1 and 2)."""
    return pdf(
        object_stream(
            {
                2: b"<< /Type /Catalog /Pages 3 0 R %s>>" % hidden,
                3: b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
            },
            dictionary,
        ),
        b"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 595 842] >>",
        root=2,
    )


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` x ``height`` (a decompression bomb is just that)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + png_chunk(b"IEND", b"")
    )


def jpeg_claiming(width: int, height: int) -> bytes:
    data = bytearray(jpeg((16, 16)))
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def zip_of_photo() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("photo.jpg", jpeg())
    return buf.getvalue()


def prepare(
    data: Any,
    name: str = "file",
    kinds: list[str] | None = None,
    *,
    max_mb: int = 10,
    max_bytes: int | None = None,
) -> PreparedFile:
    return attachment_prepare(
        data=data, filename=name, spec=spec(kinds, max_mb), max_bytes=max_bytes
    )


def refused(data: Any, name: str = "file", kinds: list[str] | None = None, **kw: Any) -> Any:
    with pytest.raises(AttachmentError) as info:
        prepare(data, name, kinds, **kw)
    return info.value


def reopen(f: PreparedFile) -> Image.Image:
    img = Image.open(io.BytesIO(f.content))
    img.load()
    return img


def assert_no_metadata(f: PreparedFile) -> None:
    img = reopen(f)
    exif = img.getexif()
    assert ExifTags.IFD.GPSInfo not in exif
    assert ExifTags.Base.Make not in exif
    assert not (set(img.info) & {"exif", "xmp", "XML:com.adobe.xmp", "comment", "Comment"})
    for marker in (GPS_MAKER.encode(), b"Exif\x00\x00", b"http://ns.adobe.com", b"GPSLat"):
        assert marker not in f.content


def is_red(pixel: Any) -> bool:
    r, g, b = pixel[:3]
    return bool(r > 180 and g < 90 and b < 90)


# --- accepted files ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "name", "kinds", "kind", "converted_from", "content_type", "stored_name"),
    [
        (jpeg, "IMG_0001.JPG", None, "jpeg", None, "image/jpeg", "IMG_0001.jpg"),
        (png, "スクリーンショット.png", None, "png", None, "image/png", "スクリーンショット.png"),
        (heic, "IMG_0002.HEIC", None, "jpeg", "heic", "image/jpeg", "IMG_0002.jpg"),
        (heic, "IMG_0003.heic", ["heic", "pdf"], "jpeg", "heic", "image/jpeg", "IMG_0003.jpg"),
        (heic, "IMG_0004.heic", ["jpeg"], "jpeg", "heic", "image/jpeg", "IMG_0004.jpg"),
        (lambda: encode(picture(), "WEBP"), "a.webp", None, "jpeg", "webp", "image/jpeg", "a.jpg"),
        (
            lambda: encode(picture(), "TIFF"),
            "scan.tif",
            None,
            "jpeg",
            "tiff",
            "image/jpeg",
            "scan.jpg",
        ),
        (
            lambda: encode(picture(), "WEBP"),
            "a.webp",
            ["webp"],
            "webp",
            None,
            "image/webp",
            "a.webp",
        ),
        (
            lambda: encode(picture(), "TIFF"),
            "b.tiff",
            ["tiff"],
            "tiff",
            None,
            "image/tiff",
            "b.tif",
        ),
        # Judged by content: a PNG named .pdf is a PNG, a JPEG named .png is a JPEG.
        (png, "申請書.pdf", None, "png", None, "image/png", "申請書.png"),
        (jpeg, "photo.png", None, "jpeg", None, "image/jpeg", "photo.jpg"),
    ],
)
def test_images_accepted(
    make: Callable[[], bytes],
    name: str,
    kinds: list[str] | None,
    kind: str,
    converted_from: str | None,
    content_type: str,
    stored_name: str,
) -> None:
    f = prepare(make(), name, kinds)
    img = reopen(f)
    assert (f.kind, f.converted_from, f.content_type) == (kind, converted_from, content_type)
    assert f.original_name == stored_name
    assert f.extension == stored_name.rsplit(".", 1)[1]
    assert (f.width, f.height) == img.size == (64, 48)
    assert img.format == {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "tiff": "TIFF"}[kind]
    assert is_red(img.convert("RGB").getpixel((2, 2)))
    assert not is_red(img.convert("RGB").getpixel((60, 44)))
    assert f.size == len(f.content)
    assert f.pages is None


def test_result_describes_content() -> None:
    import hashlib

    f = prepare(bytearray(png()), "x.png")
    assert f.sha256 == hashlib.sha256(f.content).hexdigest()
    assert "content=" not in repr(f)  # no megabytes in logs
    with pytest.raises(AttributeError):
        f.kind = "pdf"  # type: ignore[misc]  # frozen: the assignment must fail


def test_file_like_is_read_from_start_and_not_past_the_limit() -> None:
    class Counting(io.BytesIO):
        read_total = 0

        def read(self, size: int | None = -1, /) -> bytes:
            chunk = super().read(size)
            self.read_total += len(chunk)
            return chunk

    upload = Counting(png())
    upload.seek(10)  # e.g. a form already looked at the start
    assert prepare(upload, "x.png").kind == "png"

    big = Counting(b"\0" * (3 * 1024 * 1024))
    assert refused(big, "x.png", max_mb=1).code == "too_large"
    assert big.read_total == 1024 * 1024 + 1


@pytest.mark.parametrize(
    ("data", "pages"),
    [
        (simple_pdf(), 1),
        (
            encode(picture(), "PDF", save_all=True, append_images=[picture(), picture()]),
            3,
        ),
        (objstm_pdf(hidden=b""), 1),
        # Linearised-style page tree with an intermediate node: the root count is used.
        (
            pdf(
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 2 >>",
                b"<< /Type /Pages /Parent 2 0 R /Kids [4 0 R 5 0 R] /Count 2 >>",
                b"<< /Type /Page /Parent 3 0 R >>",
                b"<< /Type /Page /Parent 3 0 R >>",
            ),
            2,
        ),
        # A name escape in the page tree is still understood.
        (
            pdf(
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /P#61ges /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R >>",
            ),
            1,
        ),
        # "JavaScript" in a title string and in a content stream is text, not an action.
        (
            simple_pdf(b"<< /Title (About /JavaScript and /JS \\) \\( (nested)) >>"),
            1,
        ),
        (
            pdf(
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                PAGE,
                stream(b"", b"BT (/JavaScript /Launch) Tj ET /JS"),
            ),
            1,
        ),
    ],
    ids=[
        "hand-written",
        "pillow-3-pages",
        "object-stream",
        "page-tree",
        "escaped",
        "string",
        "content",
    ],
)
def test_pdf_accepted_unchanged(data: bytes, pages: int) -> None:
    f = prepare(data, "住民票の写し.PDF")
    assert (f.kind, f.content_type, f.extension) == ("pdf", "application/pdf", "pdf")
    assert f.content == data
    assert f.original_name == "住民票の写し.pdf"
    assert f.pages == pages
    assert f.width is None and f.converted_from is None


# --- privacy: metadata and orientation --------------------------------------------------


@pytest.mark.parametrize(
    ("data", "kinds"),
    [
        (lambda: jpeg(exif=gps_exif(), comment=b"secret", xmp=XMP), None),
        (lambda: heic(exif=gps_exif().tobytes(), xmp=XMP), None),
        (lambda: encode(picture(), "PNG", exif=gps_exif()), None),
        (lambda: encode(picture(), "WEBP", exif=gps_exif(), xmp=XMP), None),
        (lambda: encode(picture(), "WEBP", exif=gps_exif(), xmp=XMP), ["webp"]),
        (lambda: encode(picture(), "TIFF", exif=gps_exif().tobytes()), None),
        (lambda: encode(picture(), "TIFF", exif=gps_exif().tobytes()), ["tiff"]),
    ],
    ids=["jpeg", "heic", "png", "webp-to-jpeg", "webp-kept", "tiff-to-jpeg", "tiff-kept"],
)
def test_gps_and_exif_stripped(data: Callable[[], bytes], kinds: list[str] | None) -> None:
    original = data()
    assert GPS_MAKER.encode() in original  # the fixture really carries the metadata
    f = prepare(original, "photo", kinds)
    assert_no_metadata(f)


def test_colour_profile_kept() -> None:
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    f = prepare(jpeg(icc_profile=icc), "p.jpg")
    assert reopen(f).info.get("icc_profile") == icc


@pytest.mark.parametrize(
    ("orientation", "size", "red_corner"),
    [
        (1, (64, 48), (2, 2)),
        (3, (64, 48), (61, 45)),  # upside down: the block ends bottom-right
        (6, (48, 64), (45, 2)),  # phone held upright: stored sideways, shown turned right
        (8, (48, 64), (2, 61)),
    ],
)
@pytest.mark.parametrize("fmt", ["jpeg", "tiff"])
def test_orientation_applied(
    fmt: str, orientation: int, size: tuple[int, int], red_corner: tuple[int, int]
) -> None:
    data = encode(picture(), fmt.upper(), exif=gps_exif(orientation).tobytes())
    f = prepare(data, "photo")
    img = reopen(f).convert("RGB")
    assert img.size == (f.width, f.height) == size
    assert is_red(img.getpixel(red_corner))
    assert img.getexif().get(ExifTags.Base.Orientation) in (None, 1)


def test_heic_orientation_applied() -> None:
    data = heic(exif=gps_exif(6).tobytes())  # pillow-heif writes it as an "irot" box
    img = reopen(prepare(data, "IMG.HEIC")).convert("RGB")
    assert img.size == (48, 64)
    assert is_red(img.getpixel((45, 2)))


# --- sizes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "kind", "size"),
    [
        (lambda: jpeg((4000, 1000)), "jpeg", (MAX_SIDE, 750)),
        (lambda: jpeg((1200, 6400)), "jpeg", (562, MAX_SIDE)),  # JPEG decoded at 1/2 scale
        (lambda: png((3300, 200)), "png", (MAX_SIDE, 182)),
        (lambda: png((3300, 200), mode="P"), "png", (MAX_SIDE, 182)),
        (lambda: heic((3200, 320)), "jpeg", (MAX_SIDE, 300)),
        (lambda: jpeg((3000, 2000)), "jpeg", (3000, 2000)),  # at the limit: kept
    ],
)
def test_large_images_reduced(data: Callable[[], bytes], kind: str, size: tuple[int, int]) -> None:
    f = prepare(data(), "big")
    assert (f.kind, (f.width, f.height)) == (kind, size)
    assert reopen(f).size == size


def palette_png() -> bytes:
    """A 256-colour PNG wider than MAX_SIDE: reduced, it becomes full colour, 3x larger."""
    g = Image.linear_gradient("L").resize((3200, 400))
    noise = Image.effect_noise((3200, 400), 60)
    rgb = Image.merge("RGB", [g, g.transpose(Image.Transpose.FLIP_LEFT_RIGHT), noise])
    return encode(rgb.quantize(256), "PNG")


def test_png_too_large_after_optimising_becomes_jpeg() -> None:
    data = palette_png()
    f = prepare(data, "screen.png", max_bytes=len(data))
    assert (f.kind, f.converted_from, f.original_name) == ("jpeg", "png", "screen.jpg")
    assert (f.width, f.height) == (MAX_SIDE, 375)
    assert f.size <= len(data)


def test_png_too_large_refused_when_jpeg_not_allowed() -> None:
    data = palette_png()
    err = refused(data, "screen.png", ["png"], max_bytes=len(data))
    assert err.code == "too_large"


@pytest.mark.parametrize(
    ("max_mb", "max_bytes", "size", "shown"),
    [
        (1, None, 1024 * 1024 + 1, "1MBまで"),
        (10, None, 10 * 1024 * 1024 + 1, "10MBまで"),
        (10, 2_621_440, 2_621_441, "2.5MBまで"),
        (10, 500_000, 500_001, "488KBまで"),
        (1, 5 * 1024 * 1024, 1024 * 1024 + 1, "1MBまで"),  # max_bytes never raises the limit
    ],
)
def test_oversized_refused_with_limit(
    max_mb: int, max_bytes: int | None, size: int, shown: str
) -> None:
    data = jpeg()
    data += b"\0" * (size - len(data))
    err = refused(data, "big.jpg", max_mb=max_mb, max_bytes=max_bytes)
    assert err.code == "too_large"
    assert f"{shown}のファイルを送ってください" in str(err)


def test_at_the_limit_accepted() -> None:
    data = simple_pdf()
    assert prepare(data, "x.pdf", max_bytes=len(data)).size == len(data)
    assert refused(data, "x.pdf", max_bytes=len(data) - 1).code == "too_large"


def test_django_upload_with_a_lying_content_type() -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("IMG_0007.HEIC", heic(), content_type="application/pdf")
    f = prepare(upload, upload.name or "")
    assert (f.kind, f.converted_from, f.original_name) == ("jpeg", "heic", "IMG_0007.jpg")


# --- refused files ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "kinds", "code", "words"),
    [
        (b"", None, "empty", ["空でした"]),
        (
            simple_pdf(),
            IMAGES,
            "kind",
            ["PDFのファイル", "写真（JPEG・PNG・HEIC）のファイルを送って"],
        ),
        (jpeg(), ["pdf"], "kind", ["JPEGのファイル", "PDFのファイルを送って"]),
        (heic(), ["pdf", "png"], "kind", ["HEICのファイル", "写真（PNG）またはPDF"]),
        (png(), ["jpeg", "pdf"], "kind", ["PNGのファイル", "写真（JPEG）またはPDF"]),
        (encode(picture(), "GIF"), None, "kind", ["GIFのファイル"]),
        (encode(picture(), "BMP"), None, "kind", ["BMPのファイル"]),
        (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf", None, "kind", ["AVIF"]),
        (zip_of_photo(), None, "archive", ["圧縮ファイル", "写真（JPEG・PNG・HEIC）またはPDF"]),
        (docx(), None, "office", ["Word"]),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, None, "office", ["Word"]),
        (b"<!DOCTYPE html><html><body>hi</body></html>", None, "markup", ["HTML"]),
        (b"\xef\xbb\xbf  <HTML><SCRIPT>alert(1)</SCRIPT>", None, "markup", ["HTML"]),
        (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>',
            None,
            "markup",
            ["SVG"],
        ),
        (b'<svg onload="alert(1)"/>', None, "markup", ["SVG"]),
        (
            b"MZ\x90\x00\x03" + b"\0" * 200 + b"This program cannot be run in DOS mode",
            None,
            "program",
            ["プログラム"],
        ),
        (b"\x7fELF\x02\x01\x01" + b"\0" * 100, None, "program", ["プログラム"]),
        (b"#!/bin/sh\nrm -rf /\n", None, "program", ["スクリプト"]),
        (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom", None, "media", ["動画"]),
        (b"just some text, not a document", None, "unreadable", ["読み込めませんでした"]),
        (jpeg()[: len(jpeg()) // 2], None, "image_broken", ["途中で切れているか壊れている"]),
        (png()[:-30], None, "image_broken", ["壊れている"]),
        (heic()[:-200], None, "image_broken", ["壊れている"]),
        (jpeg()[:3] + b"\0" * 400, None, "image_broken", ["壊れている"]),
        (png_header_only(8000, 6251), None, "too_many_pixels", ["5000万画素まで"]),
        (png_header_only(8000, 6250), None, "image_broken", ["壊れている"]),  # exactly 50 MP
        (png_header_only(30000, 30000), None, "too_many_pixels", ["画素数が多すぎる"]),
        (jpeg_claiming(65000, 65000), None, "too_many_pixels", ["画素数"]),
        (
            encode(picture(), "TIFF", save_all=True, append_images=[picture()]),
            None,
            "multipage",
            ["PDF"],
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and v.isidentifier() else None,
)
def test_refused(data: bytes, kinds: list[str] | None, code: str, words: list[str]) -> None:
    err = refused(data, "書類.pdf", kinds)
    assert err.code == code
    message = str(err)
    for word in words:
        assert word in message
    assert message.endswith("。")


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (simple_pdf(catalog=b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"), "pdf_active"),
        (simple_pdf(catalog=b"/OpenAction << /S /J#61vaScript /J#53 (x) >>"), "pdf_active"),
        (simple_pdf(catalog=b"/OpenAction << /S /Launch /F (cmd.exe) >>"), "pdf_active"),
        (simple_pdf(catalog=b"/Names << /EmbeddedFiles 5 0 R >>"), "pdf_active"),
        (objstm_pdf(hidden=b"/OpenAction << /S /JavaScript /JS 9 0 R >>"), "pdf_active"),
        (
            objstm_pdf(hidden=b"/AA << /O << /JS (x) >> >>", dictionary=b"/Filter [/FlateDecode]"),
            "pdf_active",
        ),
        # The scanner is not fooled by a fake stream written inside a string.
        (
            simple_pdf(
                b"<< /Title (x >> stream\n) /Subject (y) >>",
                b"<< /S /JavaScript /JS (app.alert(1)) >>\nendstream",
            ),
            "pdf_active",
        ),
        # A string never closed would hide the rest of the file from the scan.
        (
            simple_pdf(b"<< /Title (never closed >>", b"<< /S /JavaScript /JS (app.alert(1)) >>"),
            "pdf_broken",
        ),
        (objstm_pdf(hidden=b"", dictionary=b"/Filter /LZWDecode"), "pdf_broken"),
        (
            objstm_pdf(
                hidden=b"", dictionary=b"/Filter /FlateDecode /DecodeParms << /Predictor 12 >>"
            ),
            "pdf_broken",
        ),
        (simple_pdf(trailer=b"/Encrypt 9 0 R /ID [<00> <00>]"), "pdf_encrypted"),
        (simple_pdf()[:-300], "pdf_broken"),
        (simple_pdf().replace(b"%%EOF", b"%%EOX"), "pdf_broken"),
        (b"%PDF-1.4\n%%EOF\n", "pdf_broken"),
        (b"%PDF-\n1 0 obj << >> endobj\n%%EOF", "pdf_broken"),
    ],
    ids=[
        "javascript",
        "escaped-names",
        "launch",
        "embedded-file",
        "objstm-js",
        "objstm-array-filter",
        "fake-stream-in-string",
        "unclosed-string",
        "objstm-lzw",
        "objstm-predictor",
        "encrypted",
        "truncated",
        "no-eof",
        "no-objects",
        "bad-header",
    ],
)
def test_pdf_refused(data: bytes, code: str) -> None:
    err = refused(data, "doc.pdf")
    assert err.code == code
    assert "PDF" in str(err)


def test_pdf_messages_say_what_to_do() -> None:
    js = str(refused(simple_pdf(catalog=b"/OpenAction << /S /JavaScript /JS (x) >>")))
    assert "JavaScript" in js and "保存し直した" in js
    enc = str(refused(simple_pdf(trailer=b"/Encrypt 9 0 R")))
    assert "パスワード" in enc and "外して" in enc


def test_camera_raw_tiff_refused() -> None:
    dng = encode(picture(), "TIFF", tiffinfo={50706: b"\x01\x04\x00\x00"})
    err = refused(dng, "IMG_0001.DNG")
    assert err.code == "kind" and "RAW" in str(err)


def test_message_is_lazy_and_keeps_its_code() -> None:
    from django.utils.functional import Promise

    err = refused(b"", "x")
    assert isinstance(err.message, Promise)
    assert str(err) == str(err.message)


# --- file names -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "ext", "expected"),
    [
        ("住民票.PDF", "pdf", "住民票.pdf"),
        ("C:\\Users\\taro\\Desktop\\住民票.pdf", "pdf", "住民票.pdf"),
        ("../../etc/passwd", "png", "passwd.png"),
        ("/var/mobile/Media/DCIM/IMG_0001.HEIC", "jpg", "IMG_0001.jpg"),
        ("photo.jpeg", "jpg", "photo.jpg"),
        ("住民票.写し.jpg", "jpg", "住民票.写し.jpg"),
        ("見積書 v1.2", "pdf", "見積書 v1.2.pdf"),
        ("invoice\u202efdp.exe", "pdf", "invoicefdp.pdf"),  # right-to-left override
        ("\u202egpj.exe", "jpg", "gpj.jpg"),
        ("zero\u200bwidth\ufeff.png", "png", "zerowidth.png"),
        ("ハ\u309aスホ\u309aート.jpg", "jpg", "パスポート.jpg"),  # macOS NFD to NFC
        ("a\x00b\x1fc\x7f.png", "png", "abc.png"),
        ("tab\there\r\nnew.pdf", "pdf", "tab here new.pdf"),
        ('a<b>c:d"e|f?g*h.pdf', "pdf", "a_b_c_d_e_f_g_h.pdf"),
        ("  .hidden  ", "png", "hidden.png"),
        ("山田　太郎.jpg", "jpg", "山田　太郎.jpg"),
        ("😀.jpg", "jpg", "😀.jpg"),
        ("CON.pdf", "pdf", "_CON.pdf"),
        ("lpt1.txt.pdf", "pdf", "_lpt1.txt.pdf"),
        ("", "pdf", "添付ファイル.pdf"),
        ("...", "pdf", "添付ファイル.pdf"),
        ("/", "jpg", "添付ファイル.jpg"),
        ("C:\\", "jpg", "添付ファイル.jpg"),
        (".jpg", "jpg", "添付ファイル.jpg"),
        ("\u202e\u200b", "png", "添付ファイル.png"),
        ("あ" * 300 + ".jpg", "jpg", "あ" * 116 + ".jpg"),
        ("a" * 115 + " .xyz.jpg", "jpg", "a" * 115 + ".jpg"),  # no trailing " ." after the cut
    ],
)
def test_filename_cleaned(name: str, ext: str, expected: str) -> None:
    assert attachment_name_clean(filename=name, extension=ext) == expected


def test_filename_replaced_by_real_extension_on_prepare() -> None:
    f = prepare(heic(), "../旅行/IMG_0005.heic")
    assert f.original_name == "IMG_0005.jpg"


@given(st.text(max_size=400), st.sampled_from(["pdf", "jpg", "png", "webp", "tif"]))
@FUZZ
def test_filename_always_safe(name: str, ext: str) -> None:
    out = attachment_name_clean(filename=name, extension=ext)
    assert len(out) <= NAME_MAX
    assert out.endswith("." + ext) and len(out) > len(ext) + 1
    assert "/" not in out and "\\" not in out
    assert not any(unicodedata.category(c) in {"Cc", "Cf", "Cs", "Co", "Cn"} for c in out)
    assert unicodedata.is_normalized("NFC", out)
    assert not out.startswith((".", " "))
    assert attachment_name_clean(filename=out, extension=ext) == out


# --- fuzzing: nothing but AttachmentError ------------------------------------------------

SEEDS = [
    jpeg(exif=gps_exif(6)),
    png(mode="RGBA"),
    heic(),
    encode(picture(), "WEBP"),
    encode(picture(), "TIFF"),
    simple_pdf(),
    objstm_pdf(hidden=b""),
]
MAGIC = [
    b"",
    b"%PDF-1.7\n",
    b"\xff\xd8\xff",
    b"\x89PNG\r\n\x1a\n",
    b"RIFF\x00\x00\x00\x00WEBP",
    b"II*\x00",
    b"MM\x00*",
    b"\x00\x00\x00\x18ftypheic",
    b"PK\x03\x04",
    b"<svg",
]


def check_any(data: bytes, kinds: list[str]) -> None:
    try:
        f = attachment_prepare(data=data, filename="fuzz", spec=spec(kinds))
    except AttachmentError as err:
        assert str(err)
        return
    assert f.kind in kinds or (f.kind == "jpeg" and f.converted_from is not None)
    assert f.size == len(f.content) > 0


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow warns about damaged EXIF
@given(
    st.sampled_from(MAGIC),
    st.binary(max_size=2048),
    st.sampled_from([b"", b"\n%%EOF\n", b"\n1 0 obj << /Length 99 >> stream\n"]),
    st.sampled_from([ALL_KINDS, IMAGES, ["pdf"]]),
)
@FUZZ
def test_arbitrary_bytes_only_raise_attachment_error(
    magic: bytes, body: bytes, tail: bytes, kinds: list[str]
) -> None:
    check_any(magic + body + tail, kinds)


@pytest.mark.filterwarnings("ignore::UserWarning")
@given(st.data())
@FUZZ
def test_damaged_real_files_only_raise_attachment_error(data: st.DataObject) -> None:
    seed = bytearray(data.draw(st.sampled_from(SEEDS)))
    for _ in range(data.draw(st.integers(0, 8))):
        i = data.draw(st.integers(0, len(seed) - 1))
        seed[i] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(1, len(seed)))
    check_any(bytes(seed[:cut]), ALL_KINDS)
