#!/usr/bin/env python3
"""moto's server with one fix, started by tests/stand-in.py.

moto's CloudFormation stack update re-parses every resource whose parameters changed, even one
whose Condition is false (a resource that was never created): a conditional function that reads
the CodeKey parameter then fails the update with "Fn::GetAtt references undefined resource".
CloudFormation itself skips such resources; so does this patch. Nothing else changes.
"""
import sys

from moto.cloudformation import parsing

_update = parsing.parse_and_update_resource


def parse_and_update_resource(logical_id, resource_json, resources_map, *args, **kwargs):
    condition = resource_json.get("Condition")
    if condition and not resources_map.lazy_condition_map[condition]:
        return None
    return _update(logical_id, resource_json, resources_map, *args, **kwargs)


parsing.parse_and_update_resource = parse_and_update_resource

from moto.server import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
