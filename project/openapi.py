"""The API's OpenAPI (Swagger 2.0) document: the error answers every operation shares, and names.

Views declare what is theirs with `@swagger_auto_schema` (tags, request body, success answer,
the service errors they raise as `errors=[...]`). `AutoSchema` adds what follows from the view
itself: `invalid`/`parse_error`/`payload_too_large`/`unsupported_media_type` for a
request body, the two 401s for an authenticated view, `throttled` for a throttled one, and
`service_unavailable` and `server_error` for all. Every error example is the body the
exception handler really answers, built from the exception class, so the document cannot
drift from the code.
"""

import json
import re
from collections import defaultdict

from django.utils import translation
from drf_yasg import openapi
from drf_yasg.generators import OpenAPISchemaGenerator
from drf_yasg.inspectors import ReferencingSerializerInspector, SwaggerAutoSchema
from drf_yasg.utils import force_serializer_instance
from drf_yasg.views import get_schema_view
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework_simplejwt.exceptions import InvalidToken

from project.exceptions import (
    PayloadTooLarge,
    ServiceError,
    ServiceUnavailable,
    error_body,
    server_error_body,
)

# Values for the `%(name)s` fields of error messages in the examples.
EXAMPLE_FIELDS = {
    "attempts_left": 4,
    "retry_after": 42,
    "activated_invite_code": "M4X8RT",
    "invite_code": "K7Q2ZP",
}


class ErrorSerializer(serializers.Serializer):
    """Every 4xx/5xx answer under /api/."""

    code = serializers.CharField(help_text="Stable, machine-readable, snake_case.")
    detail = serializers.CharField(help_text="One sentence, translated by Accept-Language.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Validation failures only (`invalid`): field -> messages.",
    )
    attempts_left = serializers.IntegerField(required=False, help_text="`invalid_code`.")
    retry_after = serializers.IntegerField(
        required=False, help_text="429: seconds to wait, as in the `Retry-After` header."
    )
    activated_invite_code = serializers.CharField(
        required=False, help_text="`invite_already_activated`: the code already activated."
    )
    invite_code = serializers.CharField(
        required=False, help_text="`invite_code_not_found`: the code looked for."
    )


class ServerError(Exception):
    """Stands for any bug: the handler answers 500 `server_error` without a traceback."""

    status_code = 500


def example_error(error) -> Exception:
    """`error` as an instance: a class gets its message fields from EXAMPLE_FIELDS."""
    if isinstance(error, Exception):
        return error
    if not isinstance(error, type):  # a function that builds the example
        return error()
    if issubclass(error, ServiceError):
        names = re.findall(r"%\((\w+)\)s", str(error.default_detail))
        return error(**{name: EXAMPLE_FIELDS[name] for name in names})
    return error()


def example_body(error: Exception) -> dict:
    if isinstance(error, ServerError):
        return server_error_body()
    return error_body(error)


def error_responses(errors: list, error_schema: openapi.SchemaRef) -> dict[int, openapi.Response]:
    """One documented answer per status: the codes it may carry, each with its example body.

    Swagger 2.0 allows one example per media type, so the first code's body is the example
    and every code's body is in the description and in `x-examples`, keyed by code.
    """
    by_status: dict[int, dict[str, dict]] = defaultdict(dict)
    with translation.override("en"):
        for error in map(example_error, errors):
            body = example_body(error)
            by_status[error.status_code].setdefault(body["code"], body)
    responses = {}
    for status_code, bodies in sorted(by_status.items()):
        schema = openapi.Schema(
            type=openapi.TYPE_OBJECT,
            all_of=[
                error_schema,
                openapi.Schema(
                    type=openapi.TYPE_OBJECT,
                    properties={
                        "code": openapi.Schema(type=openapi.TYPE_STRING, enum=list(bodies))
                    },
                ),
            ],
        )
        headers = None
        if status_code == 429:
            headers = {
                "Retry-After": openapi.Schema(
                    type=openapi.TYPE_INTEGER, description="Seconds to wait (at least 1)."
                )
            }
        description = "\n\n".join(
            f"`{code}`: `{json.dumps(body)}`" for code, body in bodies.items()
        )
        responses[status_code] = openapi.Response(
            description=description,
            schema=schema,
            examples={"application/json": next(iter(bodies.values()))},
            headers=headers,
            x_examples=bodies,
        )
    return responses


class NamedSerializerInspector(ReferencingSerializerInspector):
    """Definitions named after the view: `SendCodeApi.InputSerializer` -> `SendCodeRequest`.

    Every view nests an `InputSerializer` and an `OutputSerializer`; drf-yasg would name them
    all `Input` and `Output` and refuse the clash.
    """

    def get_serializer_ref_name(self, serializer) -> str | None:
        qualname = type(serializer).__qualname__
        view, _, name = qualname.rpartition(".")
        if not view:
            return super().get_serializer_ref_name(serializer)
        view = view.removesuffix("Api")
        suffix = {"InputSerializer": "Request", "OutputSerializer": "Response"}
        return view + suffix.get(name, name.removesuffix("Serializer"))


class AutoSchema(SwaggerAutoSchema):
    """Adds the answers that follow from the view's own settings to each operation."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.field_inspectors = [NamedSerializerInspector, *self.field_inspectors]

    def get_operation_id(self, operation_keys=None) -> str:
        # ("api", "v1", "auth", "send-code", "create") -> "auth_send_code_create"
        keys = [key for key in operation_keys or self.operation_keys if key not in ("api", "v1")]
        return self.overrides.get("operation_id") or "_".join(keys).replace("-", "_")

    def get_security(self):
        security = super().get_security()
        if security is None and not self._requires_authentication():
            return []  # open to anyone: no Bearer token needed
        return security

    def _requires_authentication(self) -> bool:
        permissions = self.view.get_permissions()
        return not any(isinstance(p, AllowAny) for p in permissions) and any(
            isinstance(p, IsAuthenticated) for p in permissions
        )

    def _paginator(self):
        pagination_class = self.overrides.get("pagination_class")
        return pagination_class() if pagination_class else None

    def get_pagination_parameters(self):
        paginator = self._paginator()
        if paginator is None:
            return super().get_pagination_parameters()
        return self.probe_inspectors(
            self.paginator_inspectors, "get_paginator_parameters", paginator
        )

    def _common_errors(self) -> list:
        errors: list = []
        if self.get_request_serializer() is not None:
            required = [
                name
                for name, field in self.get_request_serializer().fields.items()
                if field.required
            ]
            errors.append(exceptions.ValidationError({required[0]: ["This field is required."]}))
            errors += [
                exceptions.ParseError,
                PayloadTooLarge,
                lambda: exceptions.UnsupportedMediaType("text/plain"),
            ]
        elif self.get_query_serializer() is not None:
            name = next(iter(self.get_query_serializer().fields))
            errors.append(exceptions.ValidationError({name: ["This field is required."]}))
        if self._requires_authentication():
            errors += [exceptions.NotAuthenticated, InvalidToken]
        if self.view.get_throttles():
            errors.append(lambda: exceptions.Throttled(wait=EXAMPLE_FIELDS["retry_after"]))
        return [*errors, ServiceUnavailable, ServerError]

    def get_response_serializers(self):
        responses = super().get_response_serializers()
        paginator = self._paginator()
        if paginator is not None:
            for status_code, serializer in list(responses.items()):
                if str(status_code).startswith("2"):
                    items = openapi.Schema(
                        type=openapi.TYPE_ARRAY,
                        items=self.serializer_to_schema(force_serializer_instance(serializer)),
                    )
                    responses[status_code] = self.probe_inspectors(
                        self.paginator_inspectors,
                        "get_paginated_response",
                        paginator,
                        response_schema=items,
                    )
        errors = [*self.overrides.get("errors", []), *self._common_errors()]
        error_schema = self.serializer_to_schema(ErrorSerializer())
        for status_code, response in error_responses(errors, error_schema).items():
            responses.setdefault(str(status_code), response)
        return responses


def _json_object(example: dict, values: list[str]) -> openapi.Schema:
    string = openapi.Schema(type=openapi.TYPE_STRING, enum=values)
    return openapi.Schema(
        type=openapi.TYPE_OBJECT, properties=dict.fromkeys(example, string), required=list(example)
    )


def _service_operation(operation_id: str, summary: str, answers: dict) -> openapi.PathItem:
    responses = {
        str(status_code): openapi.Response(
            description=description,
            schema=_json_object(example, values),
            examples={"application/json": example},
        )
        for status_code, (description, example, values) in answers.items()
    }
    operation = openapi.Operation(
        operation_id=operation_id,
        summary=summary,
        responses=openapi.Responses(responses),
        parameters=[],
        tags=["service"],
        security=[],
    )
    return openapi.PathItem(get=operation)


READY = {"database": "ok", "redis": "ok", "broker": "ok"}
SERVICE_PATHS = {
    "/healthz": _service_operation(
        "healthz",
        "Liveness: the process answers (touches nothing else).",
        {200: ("Alive.", {"status": "ok"}, ["ok"])},
    ),
    "/readyz": _service_operation(
        "readyz",
        "Readiness: PostgreSQL, Redis and the broker answer.",
        {
            200: ("Every backing service answers.", READY, ["ok"]),
            503: (
                "At least one is down; it is marked `unavailable`.",
                {**READY, "redis": "unavailable"},
                ["ok", "unavailable"],
            ),
        },
    ),
}


class SchemaGenerator(OpenAPISchemaGenerator):
    """Full paths (basePath `/`), plus the two service endpoints, which are plain Django views."""

    def determine_path_prefix(self, paths) -> str:
        return "/"

    def get_paths(self, endpoints, components, request, public):
        paths, prefix = super().get_paths(endpoints, components, request, public)
        return self.get_paths_object({**paths, **SERVICE_PATHS}), prefix

    def get_schema(self, request=None, public=False):
        schema = super().get_schema(request, public)
        _ecma_patterns(schema)
        _inputs_refuse_nul(schema)
        return schema


NO_NUL = "^[^\\x00]*$"


def _inputs_refuse_nul(schema) -> None:
    """DRF's CharField refuses NUL characters: say so for every free-form input string."""
    inputs = [
        *(
            definition["properties"].values()
            for name, definition in schema["definitions"].items()
            if name.endswith("Request")
        ),
        *(
            [p for p in operation.get("parameters", []) if p["in"] == "query"]
            for path_item in schema["paths"].values()
            for operation in path_item.values()
            if isinstance(operation, dict)
        ),
    ]
    for fields in inputs:
        for field in fields:
            if field.get("type") == "string" and not field.get("pattern"):
                field["pattern"] = NO_NUL


def _ecma_patterns(node) -> None:
    """Django's validators anchor with `\\A`, which JSON Schema (ECMA 262) regexes lack."""
    if isinstance(node, dict):
        pattern = node.get("pattern")
        if isinstance(pattern, str) and pattern.startswith("\\A"):
            node["pattern"] = "^" + pattern.removeprefix("\\A")
        for value in node.values():
            _ecma_patterns(value)
    elif isinstance(node, list):
        for value in node:
            _ecma_patterns(value)


API_INFO = openapi.Info(
    title="Referral API",
    default_version="v1",
    description=(
        "Log in with a phone number and a code sent by SMS, then activate someone's "
        "invite code and see who activated yours. Authenticated calls send "
        "`Authorization: Bearer <access>`. Every error is "
        "`{code, detail, errors?, ...}`; the codes are listed with each answer."
    ),
)

schema_view = get_schema_view(
    API_INFO,
    public=True,
    authentication_classes=[],
    permission_classes=[AllowAny],
    generator_class=SchemaGenerator,
)
