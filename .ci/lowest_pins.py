"""Print the lowest versions pyproject.toml allows, as pins, one a line.

    python .ci/lowest_pins.py [pyproject.toml]

Every requirement of the runtime dependencies and of every extra becomes
``name==lower-bound`` (its ``>=`` clause; extras dropped, environment markers
kept), for installing the project with its lowest allowed versions
(``.ci/lowest``). pyproject.toml is the one place the bounds live: this
script fails when a requirement has no lower bound, or when two extras give
one package different bounds, so that a bound nobody tests cannot slip in.
The project's own extras (``somcolor[plot]`` inside another extra) are
skipped. The last line, ``# python>=X.Y``, is the lowest Python allowed.
Needs ``packaging`` (and ``tomli`` before Python 3.11).
"""

import sys
from pathlib import Path

from packaging.requirements import Requirement

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib


def lower_bound(requirement):
    """The version of the ``>=`` clause of ``requirement``, else None."""
    bounds = [s.version for s in requirement.specifier if s.operator == ">="]
    return bounds[0] if len(bounds) == 1 else None


def pins(project):
    """``(pin lines, errors)`` for the [project] table of pyproject.toml."""
    name = project["name"]
    groups = {"dependencies": project.get("dependencies", [])}
    for extra, requirements in project.get("optional-dependencies", {}).items():
        groups[f"extra {extra!r}"] = requirements
    found = {}  # package -> (pin line, where)
    errors = []
    for where, requirements in groups.items():
        for text in requirements:
            requirement = Requirement(text)
            if requirement.name == name:
                continue
            version = lower_bound(requirement)
            if version is None:
                errors.append(
                    f"{where}: {text!r} needs exactly one lower bound (>=), "
                    "the oldest version the test suite passes with"
                )
                continue
            line = f"{requirement.name}=={version}"
            if requirement.marker is not None:
                line += f"; {requirement.marker}"
            key = requirement.name.lower().replace("_", "-")
            if key in found and found[key][0] != line:
                errors.append(
                    f"{where}: {text!r} disagrees with {found[key][1]} "
                    f"({found[key][0]}); keep one bound per package"
                )
            found.setdefault(key, (line, where))
    return [line for line, _ in found.values()], errors


def main(argv):
    path = Path(argv[1] if len(argv) > 1 else "pyproject.toml")
    project = tomllib.loads(path.read_text())["project"]
    lines, errors = pins(project)
    python = Requirement(f"python{project['requires-python']}")
    if lower_bound(python) is None:
        errors.append("requires-python needs a lower bound (>=)")
    if errors:
        for error in errors:
            print(f"{path}: {error}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    print(f"# python>={lower_bound(python)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
