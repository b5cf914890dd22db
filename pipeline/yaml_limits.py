"""YAML with a bound on alias expansion (the "billion laughs" of YAML).

`yaml.safe_load` shares an aliased value instead of copying it, so an 830-byte document of nested
aliases loads in a blink — and then hangs whoever walks it (json.dumps of a source's filters, the
protocol checksum), since walking visits every expansion. Here the composed node graph is measured
*as expanded* before anything is built: each node's expanded size is computed once (memoised), so
the check is linear in the document, and a document past `MAX_NODES` is refused.

`bounded_load(text, loader)` works with any loader class (the plain SafeLoader, or a subclass with
other resolvers): the limit is mixed in, not a loader of its own.
"""

from __future__ import annotations

from typing import Any

import yaml

#: Values (scalars, lists, mappings) a document may hold once its aliases are expanded. A real
#: protocol or codebook holds a few thousand; a codebook with thousands of patterns, tens of thousands.
MAX_NODES = 1_000_000


class TooManyNodes(yaml.YAMLError):
    def __init__(self, count: int, mark: Any, *, recursive: bool = False) -> None:
        where = f" (the value at line {mark.line + 1})" if mark is not None else ""
        if recursive:
            problem = f"an alias refers to a value that contains it{where}, so it never ends"
        else:
            problem = (f"the YAML expands to more than {MAX_NODES:,} values{where}: "
                       f"anchors and aliases nested into each other (a YAML bomb?)")
        super().__init__(problem)
        self.count = count


def expanded_size(node: yaml.Node, limit: int = MAX_NODES) -> int:
    """How many nodes `node` stands for with every alias expanded; TooManyNodes past `limit` or
    when an alias refers to a value that contains it (infinite expansion)."""
    sizes: dict[int, int] = {}
    in_progress: set[int] = set()
    # Iterative post-order walk: deep nesting must not hit Python's recursion limit.
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    while stack:
        current, children_done = stack.pop()
        key = id(current)
        if not children_done:
            if key in sizes:
                continue
            if key in in_progress:  # reached again from below itself: `&a [*a]`
                raise TooManyNodes(limit + 1, current.start_mark, recursive=True)
            in_progress.add(key)
            stack.append((current, True))
            stack.extend((child, False) for child in _children(current) if id(child) not in sizes)
            continue
        total = 1 + sum(sizes[id(child)] for child in _children(current))
        in_progress.discard(key)
        sizes[key] = total
        if total > limit:
            raise TooManyNodes(total, current.start_mark)
    return sizes[id(node)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def bounded_load(text: str, loader: type = yaml.SafeLoader) -> Any:
    """`yaml.load(text, loader)`, refusing a document whose aliases expand past `MAX_NODES`."""
    instance = loader(text)
    try:
        node = instance.get_single_node()
        if node is None:
            return None
        expanded_size(node)
        return instance.construct_document(node)
    finally:
        instance.dispose()
