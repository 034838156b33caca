"""Walking a Krita document's layer tree and naming its nodes (no Krita import: runs on fakes too)."""


def walk(node):
    """``node``'s descendants, bottom to top, depth first (the order Krita composites them)."""
    for child in node.childNodes():
        yield child
        yield from walk(child)


def uid(node) -> str:
    """A node's name for the document's life (libkis hands out a new wrapper on every call)."""
    return node.uniqueId().toString()
