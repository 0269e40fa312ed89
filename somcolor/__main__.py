"""Command line: ``somcolor demo`` (also ``python -m somcolor demo``)."""

import argparse
import sys

from . import __version__


def _build_parser():
    parser = argparse.ArgumentParser(
        prog="somcolor",
        description="Colorize grey photographs with a SOM and an MLP.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo",
        help="fit on one bundled photograph, colorize another, write a PNG",
        description=(
            "Fit a colorizer on the left view of scikit-image's stereo "
            "motorcycle pair, colorize the grey right view, write grey | "
            "colorized | original side by side, and print the mean CIEDE2000 "
            "next to the grey baseline's. Needs no download."
        ),
    )
    demo.add_argument(
        "-o",
        "--output",
        default="somcolor-demo.png",
        help="PNG to write (never overwritten: a numbered name is used instead)",
    )
    demo.add_argument("--random-state", type=int, default=0, help="seed")
    return parser


def main(argv=None):
    """Run the command line; returns the exit status."""
    args = _build_parser().parse_args(argv)
    if args.command == "demo":
        from .demo import run_demo

        run_demo(args.output, random_state=args.random_state)
    return 0


if __name__ == "__main__":
    sys.exit(main())
