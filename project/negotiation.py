"""The API's content negotiation: DRF's, answered at once for what clients send nearly always."""

from rest_framework.negotiation import DefaultContentNegotiation

# No Accept header means anything (RFC 9110, 12.5.1), as DRF reads it.
ANYTHING = "*/*"


class ContentNegotiation(DefaultContentNegotiation):
    """A view with one renderer (JSON, everywhere but the QR code) and a request that accepts
    anything or exactly that renderer's type, with no `?format=`, gets that renderer: what
    DRF's negotiation picks too, after parsing the Accept header into media types and ranking
    them, on every request. Any other request is negotiated by DRF, 406 included."""

    def select_renderer(self, request, renderers, format_suffix=None):
        if len(renderers) == 1 and not format_suffix:
            renderer = renderers[0]
            accept = request.META.get("HTTP_ACCEPT", ANYTHING)
            if accept in (ANYTHING, renderer.media_type) and (
                self.settings.URL_FORMAT_OVERRIDE not in request.query_params
            ):
                return renderer, renderer.media_type
        return super().select_renderer(request, renderers, format_suffix)
