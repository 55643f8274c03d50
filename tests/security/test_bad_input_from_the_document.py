"""Bad input from a careless client or an attacker gets a clear 4xx, never a 500 — checked for every
operation the OpenAPI document describes, so an endpoint is covered the day it appears:
- U+0000 in any text field of any JSON body (PostgreSQL's text cannot hold it; issue 16 found 500s
  in names, chat titles and rules, violation comments, support requests, invite labels, unit names);
- integers past their contract's bounds (int32 / int64) in bodies, paths and query strings;
- a body larger than the gateway takes (413 before parsing, not gRPC's «message larger than max»).
The requests are made as the school's administrator against the school's own ids, so they reach
the services (not only the gateway's own checks)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest_asyncio

from tests.support.chats import class_chat
from tests.support.platform import Platform

Schema = dict[str, Any]
WRITES = ("post", "put", "patch")
# Signing out would end the token the rest of the module uses; it takes no text anyway.
LEFT_OUT = {("post", "/api/v1/auth/logout")}


@dataclass
class World:
    admin: dict[str, str]  # the administrator's Authorization header
    ids: dict[str, str]


@pytest_asyncio.fixture(scope="module")
async def world(platform: Platform) -> World:
    made = await class_chat(platform, 1616, "+79120161616", "+79120161717", "6В", students=1)
    student = made.students[0]
    ids = {
        "organisation_id": made.school.id,
        "org_id": made.school.id,
        "chat_id": made.chat["id"],
        "class_id": made.school.classes["6В"],
        "user_id": student["user_id"],
        "member_id": student["user_id"],
        "child_id": student["user_id"],
        "seq": "1",
    }
    return World(made.school.admin, ids)


@pytest_asyncio.fixture(scope="module")
async def document(platform: Platform) -> Schema:
    response = await platform.http.get("/api/openapi.json")
    assert response.status_code == 200
    document: Schema = response.json()
    return document


def resolve(document: Schema, schema: Schema) -> Schema:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    for key in ("anyOf", "oneOf"):
        if key in schema:  # `X | None`: the X
            return resolve(
                document, next((s for s in schema[key] if s.get("type") != "null"), schema[key][0])
            )
    return schema


def sample(document: Schema, schema: Schema) -> Any:
    """A value of the schema's type that passes its own bounds."""
    schema = resolve(document, schema)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "string":
        return "x" * max(1, schema.get("minLength", 1))
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if kind == "array":
        return [sample(document, schema.get("items", {}))] * max(1, schema.get("minItems", 0))
    if kind == "object":
        return {name: sample(document, sub) for name, sub in schema.get("properties", {}).items()}
    return "x"


def json_bodies(document: Schema) -> Iterator[tuple[str, str, Schema]]:
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method not in WRITES or (method, path) in LEFT_OUT:
                continue
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                yield method, path, resolve(document, content["application/json"]["schema"])


def with_each(document: Schema, schema: Schema, kind: str, bad: Any) -> Iterator[tuple[str, Schema]]:
    """The sample body with `bad` put in one field of `kind` at a time (nested objects and arrays
    too), named by its path."""
    body = sample(document, schema)
    for name, sub in schema.get("properties", {}).items():
        sub = resolve(document, sub)
        if sub.get("type") == kind and "enum" not in sub:
            yield name, {**body, name: bad(sub)}
        elif sub.get("type") == "array" and resolve(document, sub.get("items", {})).get("type") == kind:
            yield f"{name}[]", {**body, name: [bad(resolve(document, sub["items"]))]}
        elif sub.get("type") == "object":
            for inner, nested in with_each(document, sub, kind, bad):
                yield f"{name}.{inner}", {**body, name: nested}


def url(path: str, ids: dict[str, str]) -> str:
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    while "{" in path:  # anything else: an id nobody has
        start, end = path.index("{"), path.index("}")
        path = path[:start] + str(uuid.uuid4()) + path[end + 1 :]
    return path


async def refusals(platform: Platform, world: World, requests: list[tuple[str, str, Any]]) -> list[str]:
    """Every request that got a 5xx or an error without a human message, as `METHOD path (field)`."""
    failures = []
    for method, path, (field, body) in requests:
        response = await platform.http.request(method, url(path, world.ids), json=body, headers=world.admin)
        if response.status_code >= 500:
            failures.append(
                f"{method.upper()} {path} ({field}): {response.status_code} {response.text[:200]}"
            )
        elif response.status_code >= 400 and not response.json().get("error", {}).get("message"):
            failures.append(f"{method.upper()} {path} ({field}): {response.status_code} without a message")
    return failures


async def test_a_nul_character_in_any_text_field_is_refused_not_a_server_error(
    platform: Platform, world: World, document: Schema
) -> None:
    requests = [
        (method, path, variant)
        for method, path, schema in json_bodies(document)
        for variant in with_each(document, schema, "string", lambda sub: "a\x00b")
    ]
    assert len(requests) > 50, "the document's text fields were found"
    assert await refusals(platform, world, requests) == []


async def test_an_integer_past_its_contracts_bounds_is_refused_not_a_server_error(
    platform: Platform, world: World, document: Schema
) -> None:
    requests = [
        (method, path, variant)
        for method, path, schema in json_bodies(document)
        for variant in with_each(document, schema, "integer", lambda sub: sub.get("maximum", 2**63) + 1)
    ]
    assert requests, "the document's integer fields were found"
    assert await refusals(platform, world, requests) == []


async def test_integers_in_paths_and_query_strings_past_64_bits_are_refused(
    platform: Platform, world: World, document: Schema
) -> None:
    failures = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if resolve(document, parameter.get("schema", {})).get("type") != "integer":
                    continue
                ids = {**world.ids}
                params = {}
                if parameter["in"] == "path":
                    ids[parameter["name"]] = str(2**64)
                else:
                    params[parameter["name"]] = str(2**64)
                response = await platform.http.request(
                    method, url(path, ids), params=params, headers=world.admin
                )
                if response.status_code >= 500:
                    failures.append(f"{method.upper()} {path} {parameter['name']}: {response.status_code}")
    assert failures == []


async def test_every_integer_the_api_takes_has_both_bounds(document: Schema) -> None:
    """Derived from the contracts: an integer with no maximum would reach a proto int32/int64 field
    and fail there (a 500) instead of being refused as bad input."""
    unbounded = []

    def check(schema: Schema, where: str, seen: tuple[str, ...] = ()) -> None:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                check(document["components"]["schemas"][name], where, (*seen, name))
            return
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in schema.get(key, []):
                check(sub, where, seen)
        if schema.get("type") == "integer" and not {"minimum", "maximum"} <= schema.keys():
            unbounded.append(where)
        for name, sub in schema.get("properties", {}).items():
            check(sub, f"{where}.{name}", seen)
        if schema.get("type") == "array":
            check(schema.get("items", {}), f"{where}[]", seen)

    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                check(parameter.get("schema", {}), f"{method.upper()} {path} {parameter['name']}")
            for content in operation.get("requestBody", {}).get("content", {}).values():
                check(content.get("schema", {}), f"{method.upper()} {path} body")
    assert unbounded == []


async def test_a_body_larger_than_the_gateway_takes_is_413_before_parsing(
    platform: Platform, world: World
) -> None:
    huge = b'{"text": "' + b"x" * (10 * 1024 * 1024) + b'"}'
    chat = world.ids["chat_id"]
    declared = await platform.http.post(
        f"/api/v1/chats/{chat}/messages",
        content=huge,
        headers={**world.admin, "content-type": "application/json"},
    )
    assert declared.status_code == 413, declared.text
    assert declared.json()["error"]["message"].startswith("Запрос слишком большой")

    async def chunks() -> Any:
        for start in range(0, len(huge), 1024 * 1024):
            yield huge[start : start + 1024 * 1024]

    streamed = await platform.http.post(
        f"/api/v1/chats/{chat}/messages",
        content=chunks(),
        headers={**world.admin, "content-type": "application/json"},
    )
    assert streamed.status_code == 413, streamed.text
