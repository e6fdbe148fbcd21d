"""Dependency trees as text: ``name vX`` lines joined by box-drawing branches.

The graph is plain data (a label per node, children with an optional note per edge), so the same renderer
serves installed environments (``pip tree``) and anything else that has a graph. A node whose subtree was
already shown is printed once more with ``(*)`` and not expanded again (unless ``dedupe`` is off); a node
met again on its own path (a cycle) is always marked that way. A footer explains the mark when it was used.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

#: The footer printed when some subtree was marked instead of shown again.
DEDUPE_FOOTER = "(*) Package tree already displayed"

_TEE, _ELBOW, _PIPE, _BLANK = "├── ", "└── ", "│   ", "    "


def render_tree(
    roots: Iterable[str],
    children: Mapping[str, Sequence[tuple[str, str]]],
    labels: Mapping[str, str],
    *,
    depth: int = 255,
    dedupe: bool = True,
) -> Iterator[str]:
    """The lines of the trees under *roots*.

    *children* maps a node to ``(child, note)`` pairs in display order (the note, e.g. a version
    specifier, follows the child's label; empty for none); *labels* gives each node's text. *depth* limits
    how many levels below a root are shown (0: the roots alone).
    """
    shown: set[str] = set()
    marked = False

    def walk(node: str, prefix: str, level: int, path: frozenset[str]) -> Iterator[str]:
        nonlocal marked
        kids = [kid for kid in children.get(node, ()) if kid[0] in labels]
        for position, (kid, note) in enumerate(kids):
            last = position == len(kids) - 1
            text = labels[kid] + (f" {note}" if note else "")
            grandchildren = [k for k, _ in children.get(kid, ()) if k in labels]
            repeated = kid in path or (dedupe and kid in shown)
            if grandchildren and repeated and level < depth:
                marked = True
                yield f"{prefix}{_ELBOW if last else _TEE}{text} (*)"
                continue
            yield f"{prefix}{_ELBOW if last else _TEE}{text}"
            if level < depth and grandchildren:
                shown.add(kid)
                yield from walk(kid, prefix + (_BLANK if last else _PIPE), level + 1, path | {kid})

    for root in roots:
        if root not in labels:
            continue
        yield labels[root]
        if depth > 0:
            shown.add(root)
            yield from walk(root, "", 1, frozenset({root}))
    if marked:
        yield DEDUPE_FOOTER
