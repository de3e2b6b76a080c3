"""The shape of the code, for comparing two versions: each package with its modules and lines,
and the largest functions (nested ones counted apart from the function holding them).

    .venv/bin/python scripts/code_shape.py [ROOT] [--top N]
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path


def functions(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))

    def walk(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                yield name, child.end_lineno - child.lineno + 1, child
                yield from walk(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                yield from walk(child, f"{prefix}{child.name}.")

    yield from walk(tree, "")


def main(root: Path, top: int) -> None:
    files = sorted(p for d in ("wall", "collectors", "geo") for p in (root / d).rglob("*.py"))
    packages: dict[str, tuple[int, int]] = {}
    sizes = []
    for f in files:
        rel = f.relative_to(root)
        package = ".".join(rel.parent.parts)
        n, lines = packages.get(package, (0, 0))
        packages[package] = (n + 1, lines + len(f.read_text(encoding="utf-8").splitlines()))
        for name, length, node in functions(f):
            nested = sum(1 for c in ast.walk(node) if c is not node
                         and isinstance(c, ast.FunctionDef | ast.AsyncFunctionDef))  # fmt: skip
            sizes.append((length, nested, f"{rel}:{name}"))
    print("package                         modules   lines")
    for package, (n, lines) in sorted(packages.items()):
        print(f"{package:32}{n:7}{lines:8}")
    print("\nlargest functions (lines, nested functions inside)")
    for length, nested, where in sorted(sizes, reverse=True)[:top]:
        print(f"{length:5} {nested:3}  {where}")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    top = int(sys.argv[sys.argv.index("--top") + 1]) if "--top" in sys.argv else 12
    main(Path(args[0]) if args else Path(__file__).resolve().parents[1], top)
