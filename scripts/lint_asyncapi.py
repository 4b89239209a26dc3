"""`make lint`: docs/api/asyncapi.yaml against the AsyncAPI 3.0.0 JSON Schema
(npm @asyncapi/specs, installed with the web app's packages), every
`$ref` in it resolving, and every payload schema a valid JSON Schema.
Usage: lint_asyncapi.py DOC SPEC_SCHEMA"""
import json
import sys

import jsonschema
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7


def main(doc_path: str, spec_path: str) -> int:
    doc = yaml.safe_load(open(doc_path))
    spec = json.load(open(spec_path))
    # The bundled spec names each definition by its $id.
    registry = Registry().with_resources(
        (uri, Resource.from_contents(schema, default_specification=DRAFT7)) for uri, schema in spec["definitions"].items()
    )
    validator = jsonschema.Draft7Validator(spec, registry=registry)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    for e in errors[:20]:
        print(f"{doc_path}: {'/'.join(map(str, e.path))}: {e.message[:300]}", file=sys.stderr)
    if errors:
        return 1

    def resolve(ref: str):
        node = doc
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        return node

    def walk(node, where):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                try:
                    resolve(ref)
                except (KeyError, TypeError):
                    raise SystemExit(f"{doc_path}: {where}: $ref {ref} resolves to nothing")
            for k, v in node.items():
                walk(v, f"{where}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}/{i}")

    walk(doc, "")
    for name, schema in doc["components"]["schemas"].items():
        jsonschema.Draft202012Validator.check_schema(schema)
    print(f"{doc_path}: OK ({len(doc['components']['messages'])} messages)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
