"""Command line: `python -m helpers COMMAND ...`.

Each command lives in the module of its concern as a `cli(argv)` function, so this
file only dispatches; `python -m helpers COMMAND --help` shows a command's options.
"""
from __future__ import annotations

import importlib
import sys

COMMANDS = {
    "synth": ("helpers.synth", "write a synthetic extract in the contract's shape"),
    "calibrate": ("helpers.calibration", "fit the synthetic generator's parameters to data/published"),
    "calibrate-trials": ("helpers.trial_calibration", "fit the synthetic SE-KLAR trial to its Tabell 2"),
    "validate": ("helpers.contract", "check an extract against DATA_CONTRACT.md"),
    "frame": ("helpers.spells", "build the analysis frame (one row per entrant) from an extract"),
    "book": ("helpers.build", "execute the chapter notebooks and render the book"),
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS:
        print("usage: python -m helpers COMMAND [options]\n\ncommands:")
        for name, (_, text) in COMMANDS.items():
            print(f"  {name:<10} {text}")
        return 0 if not argv or argv[0] in ("-h", "--help") else 2
    from helpers.contract import ContractError
    from helpers.files import OutputError

    module = importlib.import_module(COMMANDS[argv[0]][0])
    try:
        return int(module.cli(argv[1:]) or 0)
    except (ContractError, OutputError) as error:  # bad input or output path: says what and where
        print(error, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
