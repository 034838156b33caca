"""The import graph (every import, at module level or inside functions): the layers of docs/architecture.md
and no cycles. Plug-in → client → protocol → daemon → engine → networks reads one way only."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# import name -> folder (pyproject's package-dir)
PACKAGES = {
    "maskgan": "maskgan",
    "maskgan_cli": "cli",
    "maskgan_daemon": "daemon",
    "maskgan_client": "plugin/client",
    "maskgan_plugin_common": "plugin/common",
    "maskgan_installer": "installer",
    "maskgan_krita": "plugin/krita/maskgan_krita",
    "maskgan_gimp": "plugin/gimp/maskgan_gimp",
}
# what each package may import of the others: the application stands on the library, never the reverse
MAY_IMPORT = {
    "maskgan": set(),
    "maskgan_client": set(),
    "maskgan_daemon": {"maskgan", "maskgan_client"},
    "maskgan_installer": {"maskgan_client"},
    # maskgan.labels only, vendored into the editors as maskgan_labels (label_table)
    "maskgan_plugin_common": {"maskgan_client", "maskgan"},
    # each plug-in stands on the shared package, both vendored into the editor; neither imports the other
    "maskgan_krita": {"maskgan_client", "maskgan_plugin_common"},
    "maskgan_gimp": {"maskgan_client", "maskgan_plugin_common"},
    "maskgan_cli": {"maskgan", "maskgan_client", "maskgan_daemon", "maskgan_installer"},
}


def module_name(path: Path, package: str, folder: str) -> str:
    parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([package, *parts])


def modules() -> dict[str, Path]:
    found = {}
    for package, folder in PACKAGES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "vendor" not in path.relative_to(ROOT / folder).parts:
                found[module_name(path, package, folder)] = path
    return found


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The project modules ``name`` imports (``from a import b`` counts as a.b where a.b is a module)."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")[: len(name.split(".")) - node.level + (1 if is_package else 0)]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports_of(name, path, known) for name, path in known.items()}


def test_no_package_imports_a_layer_above_it():
    wrong = sorted(
        f"{name} imports {target}"
        for name, targets in graph().items()
        for target in targets
        if target.split(".")[0] != name.split(".")[0] and target.split(".")[0] not in MAY_IMPORT[name.split(".")[0]]
    )
    assert wrong == []


# The library's own layers, lowest first (docs/architecture.md, "Layers of the library"): a module of maskgan
# imports its own sub-package (or top-level module) and lower layers, never a layer above nor a sibling of its own.
LIBRARY_LAYERS = (
    ("maskgan", "labels"),  # the version; classes and palette (numpy only, vendored into Krita)
    ("core",),  # the floor: device and precision, photo checks, masks, framing, IoU, tensors, atomic files
    ("card_check", "imageio", "progress", "user_config"),
    ("weights",),
    ("networks", "data"),
    ("official_import", "parsing"),
    ("infer",),
    ("eval",),
    ("train",),
)
LIBRARY_RANK = {part: rank for rank, parts in enumerate(LIBRARY_LAYERS) for part in parts}


def library_part(module: str) -> str:
    """The sub-package or top-level module of maskgan that ``module`` belongs to ('maskgan' for the package itself)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def library_arrows_upwards(edges: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{name} imports {target}"
        for name, targets in edges.items()
        if name.split(".")[0] == "maskgan"
        for target in targets
        if target.split(".")[0] == "maskgan"
        and library_part(target) != library_part(name)
        and LIBRARY_RANK[library_part(target)] >= LIBRARY_RANK[library_part(name)]
    )


def test_every_part_of_the_library_has_a_layer():
    parts = {library_part(name) for name in modules() if name.split(".")[0] == "maskgan"}
    assert sorted(parts - set(LIBRARY_RANK)) == []
    assert sorted(set(LIBRARY_RANK) - parts) == []  # no layer names a part that is gone


def test_no_part_of_the_library_imports_a_layer_above_it_or_a_sibling():
    assert library_arrows_upwards(graph()) == []


def test_the_layer_check_finds_an_arrow_upwards_and_between_siblings():
    edges = {
        "maskgan.parsing.landmarks": {"maskgan.infer.crop", "maskgan.core.photo_checks", "maskgan.parsing"},
        "maskgan.data.sources": {"maskgan.networks.generator"},
        "maskgan.train.export": {"maskgan.eval.metrics"},
    }
    assert library_arrows_upwards(edges) == [
        "maskgan.data.sources imports maskgan.networks.generator",
        "maskgan.parsing.landmarks imports maskgan.infer.crop",
    ]


def test_the_plug_ins_take_only_the_label_table_from_the_library():
    taken = {
        target
        for name, targets in graph().items()
        if name.split(".")[0] in ("maskgan_plugin_common", "maskgan_krita", "maskgan_gimp")
        for target in targets
        if target.split(".")[0] == "maskgan"
    }
    assert taken <= {"maskgan.labels"}


EDITOR_BOUND = ("krita", "PyQt5", "gi", "torch")  # an editor's own modules, or what only the library may load


def editor_bound_imports(source: str) -> list[str]:
    """The imports of ``source`` (anywhere in it, inside functions too) of an editor's modules or torch."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.split(".")[0] in EDITOR_BOUND]
        elif isinstance(node, ast.ImportFrom) and not node.level and (node.module or "").split(".")[0] in EDITOR_BOUND:
            found.append(node.module)
    return found


def test_the_editor_bound_import_finder_finds_them_anywhere():
    source = (
        "import numpy\nfrom gi.repository import Gimp\ndef f():\n    import PyQt5.QtGui\n    from torch import nn\n"
    )
    assert editor_bound_imports(source) == ["gi.repository", "PyQt5.QtGui", "torch"]


def test_the_shared_plug_in_package_imports_no_editor():
    """What both plug-ins share runs in Krita's Python and in GIMP's: no Krita, Qt, GIMP or torch in it (the
    package rule above keeps the plug-ins and the library out)."""
    bound = {
        name: editor_bound_imports(path.read_text())
        for name, path in modules().items()
        if name.split(".")[0] == "maskgan_plugin_common"
    }
    assert "maskgan_plugin_common.mask_colours" in bound  # the finder saw the package
    assert {name: found for name, found in bound.items() if found} == {}


def test_the_library_opens_no_sockets():
    socket_users = sorted(
        name
        for name, path in modules().items()
        if name.split(".")[0] == "maskgan"
        and any(
            isinstance(node, (ast.Import, ast.ImportFrom))
            and any(alias.name.split(".")[0] in ("zmq", "socket") for alias in node.names)
            or isinstance(node, ast.ImportFrom)
            and (node.module or "").split(".")[0] == "zmq"
            for node in ast.walk(ast.parse(path.read_text()))
        )
    )
    assert socket_users == []


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_imports_itself_through_others():
    # a package's __init__ re-exporting its modules is not a cycle of code: its modules import each other, not it
    edges = {
        name: {t for t in targets if not (modules_are_package_and_member(t, name))} for name, targets in graph().items()
    }
    assert cycles(edges) == []


def modules_are_package_and_member(target: str, name: str) -> bool:
    return name.startswith(target + ".")


def test_pyproject_lists_every_package_so_that_a_wheel_carries_it():
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        module_name(path.parent / "__init__.py", package, folder)
        for package, folder in PACKAGES.items()
        for path in (ROOT / folder).rglob("__init__.py")
        if "vendor" not in path.relative_to(ROOT / folder).parts
    }
    assert sorted(found - listed) == []
