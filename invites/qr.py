"""The referral link as a QR code (segno: pure Python, SVG and PNG without Pillow)."""

import io

import segno
from django.http import HttpRequest, HttpResponse

from invites.links import site_url
from invites.selectors import profile_get

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


def referral_qr_response(request: HttpRequest, *, kind: str, disposition: str) -> HttpResponse:
    """The user's referral link as a QR code file, "inline" (the API) or "attachment" (the
    page's download link), named after the invite code."""
    profile = profile_get(user=request.user, base_url=site_url(request), newest=0)
    image = qr_code_render(text=profile.referral_link, kind=kind)
    response = HttpResponse(image, content_type=QR_MEDIA_TYPES[kind])
    response["Content-Disposition"] = (
        f'{disposition}; filename="referral-{profile.invite_code}.{kind}"'
    )
    return response
