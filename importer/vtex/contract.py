"""Check a request against VTEX's vendored OpenAPI specs, before it leaves (or as it arrives).

    Contract.load(spec_dir)            every *.json spec in the folder, compiled once per folder
    contract.check(method, path, ...)  -> ["header parameter 'Accept' is required", ...]
    contract.operation_id(method, path) -> "PUT /pricing/prices/{itemId}"

What is checked, per API-NOTES §10 ("validate against the spec as written"):
- an operation with this method and a matching path template exists. The most specific template
  wins: at each segment, literal text beats a parameter. VTEX's paths may carry the account as a
  leading segment (api.vtex.com/{account}/pricing/..., logistics.../{account}/availability/...),
  so when the path matches nothing as given, it is retried without its first segment;
- required path, query and header parameters are present (header names case-insensitive). The
  specs mark Content-Type and Accept required on nearly every operation, GETs included (§10.13);
- parameter values are valid against their schemas, after converting the text of the URL or
  header to the schema's type (an integer path parameter must be written as an integer);
- a required request body is present, a body is not sent where none is defined, and a JSON body
  validates against the requestBody schema (OpenAPI 3.0 dialect, with format checks).

A call VTEX documents only in a guide (API-NOTES §12.2: deny-cancellation-request) is checked
against a spec of our own in `documented/`, which names the guide it was written from.

Not checked (the specs cannot say): unknown or misspelled body fields, and bodies that omit
optional fields a full-replacement PUT would clear (§10.10, §10.16).

`path` is the decoded URL path (what `httpx.URL.path` gives). Nothing here touches the network.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from jsonschema import FormatChecker
from jsonschema.exceptions import ValidationError, best_match
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from referencing import Registry
from referencing.jsonschema import DRAFT4

__all__ = ["DOCUMENTED_DIR", "SPEC_DIR_ENV", "Contract", "find_spec_dir"]

#: Environment variable that points at the folder of specs (overrides the search).
SPEC_DIR_ENV = "IMPORTER_OPENAPI_DIR"
#: Calls VTEX documents in a guide but in no OpenAPI spec (deny-cancellation-request), written
#: as specs of our own that cite the guide; loaded with every folder of VTEX's specs.
DOCUMENTED_DIR = Path(__file__).resolve().parent / "documented"
_SPEC_SUBDIR = Path("shared") / "vtex" / "openapi"
_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options", "trace"})
_PARAM_RE = re.compile(r"\{([^{}]+)\}")
_INT_RE = re.compile(r"-?[0-9]+")
_NUMBER_RE = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")
# Schema keys that constrain a value beyond its type; without any of them a converted
# parameter is valid by construction and the (comparatively slow) validator is skipped.
_CONSTRAINTS = frozenset(
    {
        "format", "enum", "pattern", "minimum", "maximum", "exclusiveMinimum",
        "exclusiveMaximum", "minLength", "maxLength", "multipleOf", "$ref",
        "allOf", "anyOf", "oneOf", "not",
    }
)  # fmt: skip
_MAX_MESSAGE = 240
_DECIMAL_REPR = re.compile(r"Decimal\('([^']*)'\)")


def find_spec_dir() -> Path | None:
    """Where VTEX's OpenAPI specs are, or None.

    `IMPORTER_OPENAPI_DIR` wins when set (None if it is not a folder: a wrong setting must not
    silently fall back to another copy). Otherwise look for `shared/vtex/openapi` in the current
    folder and its parents, then in the parents of this package's folder (the repository layout
    keeps the specs next to the checkout: /work/main/../shared/vtex/openapi).
    """
    configured = os.environ.get(SPEC_DIR_ENV, "").strip()
    if configured:
        path = Path(configured).expanduser()
        return path if _has_specs(path) else None
    here = Path(__file__).resolve().parent
    for start in (Path.cwd().resolve(), here):
        for folder in (start, *start.parents):
            candidate = folder / _SPEC_SUBDIR
            if _has_specs(candidate):
                return candidate
    return None


def _has_specs(folder: Path) -> bool:
    return folder.is_dir() and any(folder.glob("*.json"))


# --------------------------------------------------------------------------- compiled pieces


@dataclass(frozen=True, slots=True)
class _Param:
    """One parameter, ready to check a raw text value."""

    name: str
    location: str  # path | query | header
    key: str  # what to look up: the name, lower-cased for headers
    required: bool
    convert: Callable[[str], object] | None  # text -> typed value; raises ValueError
    type_name: str
    validator: Any  # an OAS30Validator, or None when the type alone decides

    def check(self, raw: str) -> str | None:
        value: object = raw
        if self.convert is not None:
            try:
                value = self.convert(raw)
            except (ValueError, InvalidOperation):
                return f"{self.location} parameter '{self.name}': {raw!r} is not {self.type_name}"
        if self.validator is None:
            return None
        error = best_match(self.validator.iter_errors(value))
        if error is None:
            return None
        return _clip(f"{self.location} parameter '{self.name}': {error.message}")


@dataclass(frozen=True, slots=True)
class _Operation:
    id: str  # "PUT /pricing/prices/{itemId}"
    spec: str  # file stem: catalog, pricing, ...
    params: tuple[_Param, ...]
    has_request_body: bool
    body_required: bool
    media_types: tuple[str, ...]  # accepted request media types, lower-case, no parameters
    body_validator: Any  # OAS30Validator for the JSON body, or None


class _Node:
    """A trie of path segments. Literal children are tried before parameter children."""

    __slots__ = ("dynamic", "literal", "ops")

    def __init__(self) -> None:
        self.literal: dict[str, _Node] = {}
        # (template segment, regex or None for a whole-segment parameter, names, child)
        self.dynamic: list[tuple[str, re.Pattern[str] | None, tuple[str, ...], _Node]] = []
        self.ops: dict[str, _Operation] = {}

    def child(self, segment: str) -> _Node:
        if "{" not in segment:
            return self.literal.setdefault(segment, _Node())
        for existing, _, _, node in self.dynamic:
            if existing == segment:
                return node
        names = tuple(_PARAM_RE.findall(segment))
        pattern = None
        if not _PARAM_RE.fullmatch(segment):
            # A segment mixing text and parameters ("carrier@{type}@{policy}").
            parts = _PARAM_RE.split(segment)  # literal, name, literal, name, ..., literal
            pattern = re.compile(
                "".join(re.escape(p) if i % 2 == 0 else "([^/]+?)" for i, p in enumerate(parts))
            )
        node = _Node()
        self.dynamic.append((segment, pattern, names, node))
        # More literal text = more specific; whole-segment parameters go last.
        self.dynamic.sort(key=lambda d: (d[1] is None, -len(_PARAM_RE.sub("", d[0]))))
        return node


def _walk(
    node: _Node, segments: list[str], index: int, params: dict[str, str]
) -> Iterator[tuple[_Node, dict[str, str]]]:
    """Yield every template node matching `segments`, most specific first."""
    if index == len(segments):
        if node.ops:
            yield node, params
        return
    segment = segments[index]
    literal = node.literal.get(segment)
    if literal is not None:
        yield from _walk(literal, segments, index + 1, params)
    if not segment:
        return  # an empty segment ("//", trailing "/") never fills a parameter
    for _, pattern, names, child in node.dynamic:
        if pattern is None:
            yield from _walk(child, segments, index + 1, {**params, names[0]: segment})
            continue
        match = pattern.fullmatch(segment)
        if match is not None:
            found = dict(zip(names, match.groups(), strict=True))
            yield from _walk(child, segments, index + 1, {**params, **found})


# --------------------------------------------------------------------------- the contract


class Contract:
    """The operations of a folder of OpenAPI 3.0 specs, compiled for fast request checks."""

    def __init__(self, root: _Node, operation_count: int, spec_dir: Path) -> None:
        self._root = root
        self.operation_count = operation_count
        self.spec_dir = spec_dir

    @classmethod
    def load(cls, spec_dir: Path) -> Contract:
        """All `*.json` specs in `spec_dir`, compiled once per folder (cached)."""
        return _load(str(Path(spec_dir).resolve()))

    def operation_id(self, method: str, path: str) -> str | None:
        """The id of the operation a request hits ("PUT /pricing/prices/{itemId}"), or None."""
        found = self._resolve(method.lower(), path)
        return found[0].id if found is not None else None

    def check(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: object | None,
        *,
        has_body: bool,
    ) -> list[str]:
        """Human-readable violations of the spec; [] when the request is valid.

        `body` is the parsed JSON body (numbers may be Decimal); `has_body` says whether a body
        was sent at all, so that a JSON `null` body is distinguishable from no body.
        """
        verb = method.lower()
        found = self._resolve(verb, path)
        if found is None:
            return [self._no_operation(verb, path)]
        operation, path_params = found
        header_values = {name.lower(): value for name, value in headers.items()}
        violations: list[str] = []
        for param in operation.params:
            if param.location == "path":
                raw = path_params.get(param.key)
            elif param.location == "query":
                raw = query.get(param.key)
            else:
                raw = header_values.get(param.key)
            if raw is None:
                if param.required:
                    violations.append(f"{param.location} parameter '{param.name}' is required")
                continue
            problem = param.check(raw)
            if problem is not None:
                violations.append(problem)
        violations.extend(_check_body(operation, header_values, body, has_body))
        return violations

    # -- internals

    def _resolve(self, verb: str, path: str) -> tuple[_Operation, dict[str, str]] | None:
        for segments in _segment_lists(path):
            for node, params in _walk(self._root, segments, 0, {}):
                operation = node.ops.get(verb)
                if operation is not None:
                    return operation, params
        return None

    def _no_operation(self, verb: str, path: str) -> str:
        for segments in _segment_lists(path):
            for node, _ in _walk(self._root, segments, 0, {}):
                allowed = ", ".join(sorted(m.upper() for m in node.ops))
                template = next(iter(node.ops.values())).id.split(" ", 1)[1]
                return f"no {verb.upper()} operation for {path} ({template} allows {allowed})"
        return f"no operation in the specs matches {verb.upper()} {path}"


def _segment_lists(path: str) -> tuple[list[str], ...]:
    """The path's segments as given, then without a leading '/{account}' segment."""
    segments = path.removeprefix("/").split("/")
    return (segments, segments[1:]) if len(segments) > 1 else (segments,)


def _check_body(
    operation: _Operation, headers: Mapping[str, str], body: object | None, has_body: bool
) -> list[str]:
    if not has_body:
        return ["request body is required"] if operation.body_required else []
    if not operation.has_request_body:
        return ["this operation takes no request body"]
    violations: list[str] = []
    content_type = headers.get("content-type")
    is_json = True
    if content_type is not None and operation.media_types:
        media = content_type.split(";", 1)[0].strip().lower()
        is_json = _is_json(media)
        if media not in operation.media_types and not (
            is_json and any(_is_json(m) for m in operation.media_types)
        ):
            expected = ", ".join(operation.media_types)
            violations.append(f"Content-Type {media!r} is not accepted; expected {expected}")
    if is_json and operation.body_validator is not None:
        violations.extend(
            _format_error(error) for error in operation.body_validator.iter_errors(body)
        )
    return violations


def _format_error(error: ValidationError) -> str:
    where = "body" + "".join(
        f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path
    )
    message = error.message
    if error.validator in ("anyOf", "oneOf") and error.context:
        # The default message repeats the whole instance; name the closest branch's problem.
        closest = best_match(error.context)
        inner = "".join(
            f"[{part}]" if isinstance(part, int) else f".{part}" for part in closest.relative_path
        )
        message = f"matches none of the allowed shapes (closest: {where}{inner}: {closest.message})"
    return _clip(f"{where}: {message}")


def _clip(text: str) -> str:
    # Bodies are parsed with Decimal floats; "Decimal('30.5')" reads better as "30.5".
    text = _DECIMAL_REPR.sub(r"\1", text)
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."


def _is_json(media: str) -> bool:
    return media == "application/json" or media.endswith("+json")


# --------------------------------------------------------------------------- loading


def _format_checker() -> FormatChecker:
    """OpenAPI's own formats (int32, int64, float, double, byte...) plus the JSON Schema
    formats that work offline in this environment (date-time needs rfc3339-validator)."""
    checker = FormatChecker(formats=())
    checker.checkers.update(oas30_format_checker.checkers)
    general = FormatChecker()
    for name in ("date-time", "uuid"):
        if name in general.checkers:
            checker.checkers[name] = general.checkers[name]
    return checker


def _pointer(*parts: str) -> str:
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def _at(spec: Mapping[str, Any], pointer: str) -> Any:
    """The node at a JSON pointer ("/components/schemas/X") of `spec`."""
    node: Any = spec
    for part in pointer.removeprefix("/").split("/") if pointer else ():
        key = part.replace("~1", "/").replace("~0", "~")
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


def _final_pointer(spec: Mapping[str, Any], ref: str) -> str:
    """The pointer of the final target of a chain of local `$ref`s ("#/a" -> "/a")."""
    pointer = ref.removeprefix("#")
    for _ in range(32):  # a bound, in case a spec ever has a reference cycle
        target = _at(spec, pointer)
        if not (isinstance(target, Mapping) and "$ref" in target):
            break
        pointer = str(target["$ref"]).removeprefix("#")
    return pointer


def _deref(spec: Mapping[str, Any], node: Any) -> Any:
    """Follow a local `$ref` (parameters and request bodies may be references)."""
    if isinstance(node, Mapping) and "$ref" in node:
        return _at(spec, _final_pointer(spec, str(node["$ref"])))
    return node


class _Compiler:
    """Turns one spec document into `_Operation`s sharing one registry and format checker."""

    def __init__(self, stem: str, spec: Mapping[str, Any], checker: FormatChecker) -> None:
        self.stem = stem
        self.spec = spec
        self.uri = f"urn:vtex-openapi:{stem}"
        # Every $ref in the specs is '#/...' inside the same file. Validators get a one-line
        # root schema {"$ref": "<uri>#<pointer>"}: nested '#/components/...' refs then resolve
        # against the registered document, not against the sub-schema being validated.
        self.registry: Registry[Any] = Registry().with_resource(
            self.uri, DRAFT4.create_resource(dict(spec))
        )
        self.checker = checker

    def validator(self, pointer: str) -> Any:
        return OAS30Validator(
            self.inline(_at(self.spec, pointer), frozenset({pointer})),
            registry=self.registry,
            format_checker=self.checker,
        )

    def inline(self, node: Any, expanding: frozenset[str]) -> Any:
        """`node` with each plain local `{"$ref": "#/..."}` replaced by its target, once,
        here: the validator then never resolves a reference per request (resolving was half
        of a body's check). Checked the same: a bare `$ref` is its target (OpenAPI 3.0).
        A reference that recurses, or that has sibling keywords (both applied by
        OAS30Validator), stays a reference, made absolute so it resolves in the registry."""
        if isinstance(node, list):
            return [self.inline(item, expanding) for item in node]
        if not isinstance(node, Mapping):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            pointer = ref.removeprefix("#")
            if len(node) == 1 and pointer not in expanding:
                return self.inline(_at(self.spec, pointer), expanding | {pointer})
            rest = {k: self.inline(v, expanding) for k, v in node.items() if k != "$ref"}
            return {**rest, "$ref": f"{self.uri}#{pointer}"}
        return {key: self.inline(value, expanding) for key, value in node.items()}

    def operations(self) -> Iterator[tuple[str, str, _Operation]]:
        for template, item in self.spec.get("paths", {}).items():
            shared = item.get("parameters", [])
            for verb, raw_op in item.items():
                if verb not in _METHODS:
                    continue
                yield verb, template, self.operation(verb, template, raw_op, shared)

    def operation(
        self, verb: str, template: str, op: Mapping[str, Any], shared: list[Any]
    ) -> _Operation:
        by_key: dict[tuple[str, str], _Param] = {}
        base = ("paths", template)
        sources = (
            ((*base, "parameters"), shared),
            ((*base, verb, "parameters"), op.get("parameters", [])),
        )
        for origin, raw_list in sources:
            for index, raw in enumerate(raw_list):
                param = self.param(raw, _pointer(*origin, str(index)))
                if param is not None:  # operation-level parameters override path-level ones
                    by_key[(param.location, param.key)] = param
        body = _deref(self.spec, op.get("requestBody"))
        media_types: tuple[str, ...] = ()
        body_validator = None
        if isinstance(body, Mapping):
            content = body.get("content", {})
            media_types = tuple(m.split(";", 1)[0].strip().lower() for m in content)
            for media, entry in content.items():
                if _is_json(media.split(";", 1)[0].strip().lower()) and "schema" in entry:
                    body_validator = self.body_validator(verb, template, op, media)
                    break
        return _Operation(
            id=f"{verb.upper()} {template}",
            spec=self.stem,
            params=tuple(by_key.values()),
            has_request_body=isinstance(body, Mapping),
            body_required=bool(isinstance(body, Mapping) and body.get("required")),
            media_types=media_types,
            body_validator=body_validator,
        )

    def body_validator(self, verb: str, template: str, op: Mapping[str, Any], media: str) -> Any:
        raw_body = op["requestBody"]
        if "$ref" in raw_body:  # point at the referenced request body, wherever it lives
            pointer = _final_pointer(self.spec, str(raw_body["$ref"]))
        else:
            pointer = _pointer("paths", template, verb, "requestBody")
        return self.validator(pointer + _pointer("content", media, "schema"))

    def param(self, raw: Any, pointer: str) -> _Param | None:
        if isinstance(raw, Mapping) and "$ref" in raw:
            pointer = _final_pointer(self.spec, raw["$ref"])
        param = _deref(self.spec, raw)
        location = param.get("in")
        if location not in ("path", "query", "header"):
            return None  # cookies: none in VTEX's specs, and the importer sends none
        schema = _deref(self.spec, param.get("schema", {}))
        type_name = schema.get("type", "string") if isinstance(schema, Mapping) else "string"
        convert, described = _CONVERTERS.get(type_name, (None, "a string"))
        constrained = isinstance(schema, Mapping) and bool(_CONSTRAINTS & schema.keys())
        name = str(param["name"])
        return _Param(
            name=name,
            location=location,
            key=name.lower() if location == "header" else name,
            required=bool(param.get("required")) or location == "path",
            convert=convert,
            type_name=described,
            validator=self.validator(pointer + "/schema") if constrained else None,
        )


def _to_int(raw: str) -> int:
    # int() would also accept " 7", "+7" and "1_000"; a URL value must be plain digits.
    if not _INT_RE.fullmatch(raw):
        raise ValueError(raw)
    return int(raw)


def _to_number(raw: str) -> Decimal:
    if not _NUMBER_RE.fullmatch(raw):
        raise ValueError(raw)
    return Decimal(raw)


def _to_bool(raw: str) -> bool:
    if raw not in ("true", "false"):
        raise ValueError(raw)
    return raw == "true"


_CONVERTERS: dict[str, tuple[Callable[[str], object] | None, str]] = {
    "integer": (_to_int, "an integer"),
    "number": (_to_number, "a number"),
    "boolean": (_to_bool, "a boolean (true or false)"),
    "string": (None, "a string"),
}


@functools.lru_cache(maxsize=8)
def _load(spec_dir: str) -> Contract:
    folder = Path(spec_dir)
    files = sorted(folder.glob("*.json"))
    if not files:
        raise FileNotFoundError(f"no OpenAPI specs (*.json) in {folder}")
    checker = _format_checker()
    root = _Node()
    count = 0
    # VTEX's own specs first: on a clash theirs win, so a documented call that a later spec
    # gains is checked against the spec.
    for file in [*files, *sorted(DOCUMENTED_DIR.glob("*.json"))]:
        with file.open(encoding="utf-8") as handle:
            spec = json.load(handle)
        compiler = _Compiler(file.stem, spec, checker)
        for verb, template, operation in compiler.operations():
            node = root
            for segment in template.strip("/").split("/"):
                node = node.child(segment)
            node.ops.setdefault(verb, operation)  # first file wins on a (never seen) clash
            count += 1
    return Contract(root, count, folder)
