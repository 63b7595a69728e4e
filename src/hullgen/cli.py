"""The ``hullgen`` command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hullgen import __version__
from hullgen.errors import HullgenError

# The schema lives with the workflow; this finds it from a source checkout (editable install).
DEFAULT_SCHEMA = Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "config.schema.yaml"


def _check_config(args: argparse.Namespace) -> int:
    from hullgen import config

    if not args.schema.is_file():
        raise HullgenError(f"{args.schema}: schema not found; pass --schema")
    status = 0
    for path in args.configs:
        try:
            config.load(path, args.schema)
        except HullgenError as err:
            print(err, file=sys.stderr)
            status = 1
        else:
            print(f"{path}: ok")
    return status


def _config_table(args: argparse.Namespace) -> int:
    from hullgen import config

    print(config.markdown_table(config.load_schema(args.schema)), end="")
    return 0


def _datasets(args: argparse.Namespace) -> int:
    from hullgen.data.registry import DATASETS

    for spec in DATASETS.values():
        shape = "x".join(map(str, spec.image_shape))
        print(f"{spec.name}: {shape} images, {spec.n_classes} classes ({spec.homepage})")
        if not spec.files:
            print("  ships with scikit-learn: no download")
        for raw in spec.files:
            print(f"  {raw.name}")
            for h, who in raw.accepted_hashes().items():
                print(f"    sha256 {h} ({who})")
            for url in raw.urls:
                print(f"    {url}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hullgen",
        description="Distances of test data to the convex hull of the training data.",
    )
    parser.add_argument("--version", action="version", version=f"hullgen {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    check = sub.add_parser("check-config", help="validate config files against the schema")
    check.add_argument("configs", nargs="+", type=Path, metavar="CONFIG.yaml")
    check.add_argument("--schema", type=Path, default=DEFAULT_SCHEMA)
    check.set_defaults(func=_check_config)

    table = sub.add_parser("config-table", help="print the config keys as a Markdown table")
    table.add_argument("--schema", type=Path, default=DEFAULT_SCHEMA)
    table.set_defaults(func=_config_table)

    datasets = sub.add_parser("datasets", help="list the known datasets, files and hashes")
    datasets.set_defaults(func=_datasets)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except HullgenError as err:
        print(f"hullgen: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
