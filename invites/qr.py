"""The referral link as a QR code (segno: pure Python, SVG and PNG without Pillow)."""

import io

import segno

QR_MEDIA_TYPES = {"svg": "image/svg+xml", "png": "image/png"}
# 8 px modules with the standard 4-module quiet zone: about 300 px for a referral link,
# sharp on screen and on a printed poster (the SVG scales anyway).
QR_SCALE = 8


def qr_code_render(*, text: str, kind: str) -> bytes:
    """`text` as a QR code image, `kind` "svg" or "png": dark modules on white, so that it
    also reads on a page in dark mode. Error correction M survives a smudged poster."""
    code = segno.make_qr(text, error="m")
    out = io.BytesIO()
    code.save(out, kind=kind, scale=QR_SCALE, border=4, dark="#000", light="#fff")
    return out.getvalue()


def qr_code_svg_inline(*, text: str) -> str:
    """The QR code as an <svg> element to put in a page (no XML declaration)."""
    code = segno.make_qr(text, error="m")
    return code.svg_inline(scale=4, border=4, dark="#000", light="#fff")
