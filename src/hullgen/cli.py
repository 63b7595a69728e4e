"""The ``hullgen`` command."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from hullgen import __version__
from hullgen.errors import ConfigError, DataFormatError, HullgenError

# Exit statuses, also listed in the parser's epilog.
OK, CONFIG_INVALID, INPUT_ERROR, NOT_CONVERGED = 0, 1, 2, 3

EXIT_CODES = """exit status:
  0  success
  1  a config file is invalid (check-config)
  2  usage or input error: a missing, unreadable or malformed file, an unwritable output
  3  some test point was left undecided, neither inside nor shown outside (hull-distance,
     status not_converged; its row is kept)"""

SCHEMA_HELP = "schema file (default: the schema shipped with hullgen)"


def _os_message(err: OSError) -> str:
    """One line naming the file an OSError is about."""
    message = err.strerror or str(err)
    for name in (err.filename, err.filename2):
        if name is not None and str(name) not in message:
            message = f"{name}: {message}"
    return message


def _error(message: object) -> None:
    print(f"hullgen: error: {message}", file=sys.stderr)


def _check_config(args: argparse.Namespace) -> int:
    from hullgen import config, preflight

    config.load_schema(args.schema)  # a bad --schema is a usage error (2), raised to main
    try:
        # Merged in order, as snakemake --configfile A.yaml B.yaml merges them, and checked
        # by the code the workflow runs before any job (the user's own data read as it is).
        preflight.check_files(args.configs, args.schema)
    except ConfigError as err:
        _error(err)
        return CONFIG_INVALID
    except DataFormatError as err:
        _error(err)
        return INPUT_ERROR
    except OSError as err:
        _error(_os_message(err))
        return INPUT_ERROR
    print(f"{' + '.join(map(str, args.configs))}: ok")
    return OK


def _config_table(args: argparse.Namespace) -> int:
    from hullgen import config

    print(config.markdown_table(config.load_schema(args.schema)), end="")
    return 0


def _hull_distance(args: argparse.Namespace) -> int:
    import logging

    from hullgen.hull.result import STATUSES
    from hullgen.hull.run import hull_distance_files, write_tables
    from hullgen.log import setup

    setup(level=logging.INFO if not args.quiet else logging.WARNING)
    result, start = hull_distance_files(
        args.train,
        args.test,
        projections=args.projections_out is not None,
        threads=args.threads,
        gap=args.gap,
        k_seed=args.k_seed,
        memory_budget=None if args.memory_budget is None else int(args.memory_budget * 2**30),
        budget_name="--memory-budget",
        device=args.device,
    )
    write_tables(result, start, args.out, args.support_out, args.projections_out)
    counts = {s: int((result.status == s).sum()) for s in STATUSES}
    print(
        f"{args.out}: {len(result)} test points: "
        + ", ".join(f"{v} {k}" for k, v in counts.items())
    )
    return OK if counts["not_converged"] == 0 else NOT_CONVERGED


def _hull_diameter(args: argparse.Namespace) -> int:
    from hullgen.hull.diameter import hull_diameter
    from hullgen.hull.run import load_matrix

    train = load_matrix(args.train, "training")
    try:
        diameter, i, j = hull_diameter(train)
    except ValueError as err:
        raise HullgenError(f"{args.train}: {err}") from None
    print(f"diameter {diameter!r} between training rows {i} and {j}")
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


def _device(text: str) -> str:
    """cpu, or a CUDA device that torch sees (a usage error otherwise, exit 2)."""
    if text == "cpu":
        return text
    if not re.fullmatch(r"cuda(:[0-9]+)?", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not cpu, cuda or cuda:N")
    import torch

    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    index = int(text.partition(":")[2] or 0)
    if index >= count:
        raise argparse.ArgumentTypeError(
            f"{text}: torch sees {count} CUDA device(s) (torch {torch.__version__}, CUDA build"
            f" {torch.version.cuda or 'none'}); use --device cpu"
        )
    return text


def _bounded(cast, key: str | None = None, minimum=None):
    """An argparse type: ``cast`` of the text, within the range the config schema gives the
    hull option ``key`` (``hull.<key>``), or at least ``minimum``. Out of range is a usage
    error (exit 2) that names the value, never a value changed in silence."""

    def parse(text: str):
        try:
            value = cast(text)
        except ValueError:
            what = "an integer" if cast is int else "a number"
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        bounds = {"minimum": minimum}
        if key is not None:
            from hullgen.config import load_schema

            bounds = load_schema()["properties"]["hull"]["properties"][key]
        checks = (
            ("minimum", lambda b: value >= b, ">="),
            ("exclusiveMinimum", lambda b: value > b, ">"),
            ("exclusiveMaximum", lambda b: value < b, "<"),
        )
        for name, holds, sign in checks:
            bound = bounds.get(name)
            if bound is not None and not holds(bound):
                raise argparse.ArgumentTypeError(f"{text} is out of range: must be {sign} {bound}")
        return value

    parse.__name__ = cast.__name__  # argparse names the type in its messages
    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hullgen",
        description="Distances of test data to the convex hull of the training data.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"hullgen {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    check = sub.add_parser(
        "check-config",
        help="validate a config (files merged in order, as snakemake --configfile merges them)",
        description="The files are merged in order, each onto the ones before, as snakemake"
        " --configfile A.yaml B.yaml merges them (a run in the workflow's folder merges them"
        " onto config/config.yaml: name it first to check exactly that). Exit status 1 when the"
        " config is invalid, 2 when a file cannot be read.",
    )
    check.add_argument("configs", nargs="+", type=Path, metavar="CONFIG.yaml")
    check.add_argument("--schema", type=Path, help=SCHEMA_HELP)
    check.set_defaults(func=_check_config)

    table = sub.add_parser("config-table", help="print the config keys as a Markdown table")
    table.add_argument("--schema", type=Path, help=SCHEMA_HELP)
    table.set_defaults(func=_config_table)

    hull = sub.add_parser(
        "hull-distance",
        help="certified distance of every test point to the convex hull of the training set",
        description="Exit status 3 when some test point was left undecided (status "
        "not_converged; its row is kept), "
        "2 for a missing or malformed input file or an unwritable output.",
    )
    hull.add_argument("--train", type=Path, required=True, help="TRAIN.npy, (n, d)")
    hull.add_argument("--test", type=Path, required=True, help="TEST.npy, (m, d)")
    hull.add_argument("--out", type=Path, required=True, help="OUT.parquet, one row per test point")
    hull.add_argument(
        "--threads", type=_bounded(int, minimum=1), default=1, help="worker threads (default 1)"
    )
    hull.add_argument(
        "--gap", type=_bounded(float, "gap"), default=1e-6, help="relative gap (default 1e-6)"
    )
    hull.add_argument(
        "--k-seed", type=_bounded(int, "k_seed"), default=32, help="initial working set size"
    )
    hull.add_argument(
        "--memory-budget",
        type=_bounded(float, "memory_budget_gb"),
        default=None,
        help="GiB besides the data (default: the passes' copy and each thread's batch)",
    )
    hull.add_argument(
        "--device",
        default="cpu",
        type=_device,
        help="cpu (default), or cuda or cuda:N for the products (needs a GPU torch sees)",
    )
    hull.add_argument("--support-out", type=Path, help="S.parquet: (query, train_index, weight)")
    hull.add_argument("--projections-out", type=Path, help="P.npy: nearest hull points, (m, d)")
    hull.add_argument("--quiet", action="store_true", help="no progress output")
    hull.set_defaults(func=_hull_distance)

    diam = sub.add_parser("hull-diameter", help="exact diameter of the training set's hull")
    diam.add_argument("--train", type=Path, required=True, help="TRAIN.npy, (n, d)")
    diam.set_defaults(func=_hull_diameter)

    datasets = sub.add_parser("datasets", help="list the known datasets, files and hashes")
    datasets.set_defaults(func=_datasets)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except HullgenError as err:
        _error(err)
    except OSError as err:
        _error(_os_message(err))
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    return INPUT_ERROR


if __name__ == "__main__":
    sys.exit(main())
