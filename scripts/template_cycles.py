"""Fails when infra/template.yaml, as SAM expands it, has a dependency cycle.

cfn-lint and `sam validate` accept such a template; CloudFormation refuses
it only at deploy time. Run by `make lint`.
"""
import json
import os
import re
import sys

from cfnlint.decode import cfn_yaml
from samtranslator.translator.transform import transform

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
template = cfn_yaml.load(sys.argv[1] if len(sys.argv) > 1 else "infra/template.yaml")
# The transform checks code locations; any S3 address does for the graph.
template.setdefault("Globals", {}).setdefault("Function", {})["CodeUri"] = "s3://bucket/key"
for resource in template["Resources"].values():
    if resource["Type"] == "AWS::Serverless::Function":
        resource.setdefault("Properties", {})["CodeUri"] = "s3://bucket/key"


class NoManagedPolicies:
    def load(self):
        return {}


resources = transform(template, {}, NoManagedPolicies())["Resources"]


def needs(resource):
    text = json.dumps(resource.get("Properties", {}))
    names = set(re.findall(r'"Ref": "([A-Za-z0-9]+)"', text))
    names |= set(re.findall(r'"Fn::GetAtt": \["([A-Za-z0-9]+)"', text))
    names |= set(re.findall(r"\$\{([A-Za-z0-9]+)[.}]", text))
    depends = resource.get("DependsOn", [])
    names |= set(depends if isinstance(depends, list) else [depends])
    return sorted(n for n in names if n in resources)


graph = {name: needs(r) for name, r in resources.items()}
state = {}


def visit(node, path):
    state[node] = "open"
    for nxt in graph[node]:
        if state.get(nxt) == "open":
            return path[path.index(nxt):] + [nxt]
        if nxt not in state:
            found = visit(nxt, path + [nxt])
            if found:
                return found
    state[node] = "done"
    return None


sys.setrecursionlimit(10_000)
for name in graph:
    if name not in state:
        cycle = visit(name, [name])
        if cycle:
            print("infra/template.yaml has a dependency cycle: " + " -> ".join(cycle))
            sys.exit(1)
# Quiet when all is well, as the other lint steps are.
