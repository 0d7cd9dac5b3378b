"""Running ``dmft`` and reading what it writes: the one place that knows the command-line contract.

A model family is added by one small function that builds the argument list, calls :func:`run_dmft`, and passes
the record and tables to :meth:`Result.build` (see :mod:`spectraldmft.network` for examples).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, ClassVar, Dict, Iterator, List, Mapping, Optional, Sequence

import numpy as np
import pandas as pd

__all__ = ["DMFTError", "Table", "Result", "RunOutput", "find_dmft", "run_dmft"]

ENVIRONMENT_VARIABLE = "SPECTRALDMFT_DMFT"


class DMFTError(RuntimeError):
    """A ``dmft`` command failed.

    ``str(error)`` is dmft's one ``Error: …`` line; ``error.line`` the same, ``error.returncode`` the exit status,
    ``error.arguments`` the command line and ``error.stderr`` everything the command wrote on standard error.
    """

    def __init__(self, line: str, returncode: int, arguments: Sequence[str], stderr: str) -> None:
        super().__init__(line)
        self.line = line
        self.returncode = returncode
        self.arguments = list(arguments)
        self.stderr = stderr


def find_dmft() -> str:
    """The ``dmft`` executable: ``$SPECTRALDMFT_DMFT`` if set, else ``dmft`` on ``PATH``, else
    ``.build/release/dmft`` in the current directory or one of its parents, or beside this package's source tree.

    Raises ``FileNotFoundError`` naming the places searched.
    """
    explicit = os.environ.get(ENVIRONMENT_VARIABLE)
    if explicit:
        if os.path.isfile(explicit) and os.access(explicit, os.X_OK):
            return os.path.abspath(explicit)
        raise FileNotFoundError(f"{ENVIRONMENT_VARIABLE}={explicit} is not an executable file")
    on_path = shutil.which("dmft")
    if on_path:
        return on_path
    starts = [Path.cwd(), Path(__file__).resolve().parent]
    for start in starts:
        for folder in [start, *start.parents]:
            candidate = folder / ".build" / "release" / "dmft"
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    raise FileNotFoundError(
        "no dmft executable: set SPECTRALDMFT_DMFT, put dmft on PATH, or run from the SpectralDMFT repository "
        "after `swift build -c release --product dmft`"
    )


class Table(Mapping[str, np.ndarray]):
    """A CSV file written by ``dmft``: its columns, in order, as numpy arrays (float64; text columns as ``str``).

    Columns are read as ``table["tau"]`` or ``table.tau``; ``table.to_pandas()`` gives a DataFrame.
    """

    def __init__(self, columns: Dict[str, np.ndarray]) -> None:
        self._columns = columns

    @classmethod
    def read(cls, path: os.PathLike | str) -> "Table":
        """Reads a CSV file with a header row. Numbers are parsed exactly (shortest round-trip text), ``nan`` too."""
        with open(path, newline="") as handle:
            rows = list(csv.reader(handle))
        header, data = rows[0], rows[1:]
        columns: Dict[str, np.ndarray] = {}
        for position, name in enumerate(header):
            values = [row[position] for row in data]
            try:
                columns[name] = np.array([float(value) for value in values], dtype=np.float64)
            except ValueError:
                columns[name] = np.array(values, dtype=str)
        return cls(columns)

    def __getitem__(self, name: str) -> np.ndarray:
        return self._columns[name]

    def __getattr__(self, name: str) -> np.ndarray:
        try:
            return self.__dict__["_columns"][name]
        except KeyError:
            raise AttributeError(name) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)

    @property
    def rows(self) -> int:
        """Number of data rows."""
        return len(next(iter(self._columns.values()))) if self._columns else 0

    def to_pandas(self) -> pd.DataFrame:
        """The table as a DataFrame (same column names and order)."""
        return pd.DataFrame(dict(self._columns))

    def __repr__(self) -> str:
        return f"Table({', '.join(self._columns)}; {self.rows} rows)"


def _number(value: Any) -> Any:
    """The record's ``"nan"``, ``"inf"``, ``"-inf"`` strings as floats; other values unchanged."""
    if isinstance(value, str) and value in ("nan", "inf", "-inf"):
        return float(value)
    return value


@dataclasses.dataclass(frozen=True)
class RunOutput:
    """What one ``dmft`` run produced: the JSON record (printed with ``--json`` or written as a run record), the
    CSV tables by file name, and the standard output."""

    record: Dict[str, Any]
    tables: Dict[str, Table]
    stdout: str
    seconds: float


def run_dmft(arguments: Sequence[str], *, json_output: bool = False, read: Sequence[str] = (),
             record_file: Optional[str] = None, timeout: Optional[float] = None) -> RunOutput:
    """Runs ``dmft ARGUMENTS`` in a new temporary directory (removed afterwards, whatever happens).

    Output paths in ``arguments`` are relative to that directory. ``json_output`` parses standard output as the
    JSON record; ``record_file`` reads the record from that file instead; ``read`` names the CSV files (or output
    folders' CSV files, ``"folder/energy.csv"``) to read. A non-zero exit raises :class:`DMFTError` with dmft's
    ``Error:`` line. ``seconds`` is the wall time of the subprocess (start-up included).
    """
    import time

    executable = find_dmft()
    with tempfile.TemporaryDirectory(prefix="spectraldmft-") as folder:
        start = time.perf_counter()
        completed = subprocess.run([executable, *arguments], cwd=folder, capture_output=True, text=True,
                                   timeout=timeout, env={**os.environ, "COLUMNS": "100"})
        seconds = time.perf_counter() - start
        if completed.returncode != 0:
            lines = [line for line in completed.stderr.splitlines() if line.startswith("Error: ")]
            line = lines[-1] if lines else (completed.stderr.strip().splitlines() or [f"dmft exited with status {completed.returncode}"])[-1]
            raise DMFTError(line, completed.returncode, arguments, completed.stderr)
        record: Dict[str, Any] = {}
        if json_output:
            record = json.loads(completed.stdout)
        elif record_file is not None:
            with open(os.path.join(folder, record_file)) as handle:
                record = json.load(handle)
        record = {key: _number(value) for key, value in record.items()}
        tables = {name: Table.read(os.path.join(folder, name)) for name in read
                  if os.path.exists(os.path.join(folder, name))}
        return RunOutput(record=record, tables=tables, stdout=completed.stdout, seconds=seconds)


@dataclasses.dataclass(frozen=True)
class Result:
    """Base of every result: the full JSON record (``record``) and the tables the command wrote (``tables``).

    Subclasses declare the record's scalars and the main table's columns as fields of the same names (a field
    missing from the record is ``None``); ``build`` fills them. ``to_pandas()`` returns the main table
    (``TABLE``) or, with ``table=NAME``, another one.
    """

    record: Dict[str, Any] = dataclasses.field(repr=False)
    tables: Dict[str, Table] = dataclasses.field(repr=False)

    #: The file name of the table whose columns are fields and that ``to_pandas()`` returns by default.
    TABLE: ClassVar[Optional[str]] = None

    @classmethod
    def build(cls, output: RunOutput, **overrides: Any):
        """The result of ``output``: each field from ``overrides``, else the main table's column of that name,
        else the record's value of that name (``None`` when absent)."""
        main = output.tables.get(cls.TABLE) if cls.TABLE else None
        values: Dict[str, Any] = {"record": output.record, "tables": output.tables}
        for field in dataclasses.fields(cls):
            if field.name in values:
                continue
            if field.name in overrides:
                values[field.name] = overrides[field.name]
            elif main is not None and field.name in main:
                values[field.name] = main[field.name]
            else:
                values[field.name] = output.record.get(field.name)
        return cls(**values)

    def table(self, name: Optional[str] = None) -> Table:
        """The table written as file ``name`` (default: the main one). Raises ``KeyError`` if it was not written."""
        key = name or self.TABLE
        if key is None or key not in self.tables:
            raise KeyError(f"no table {key!r}; this result has {sorted(self.tables)}")
        return self.tables[key]

    def to_pandas(self, table: Optional[str] = None) -> pd.DataFrame:
        """The main table (or the table ``table``, a file name from ``tables``) as a pandas DataFrame."""
        return self.table(table).to_pandas()


def number_argument(value: float) -> str:
    """A float as dmft reads it back exactly (``repr`` is the shortest round-trip form)."""
    value = float(value)
    if math.isnan(value):
        return "nan"
    return repr(value)


def join_numbers(values: Sequence[float]) -> str:
    """A comma-separated list of numbers for options such as ``--waiting-times``."""
    return ",".join(number_argument(value) for value in values)


def model_arguments(p: Optional[int], mixture: Optional[str]) -> List[str]:
    """``--p P`` or ``--mixture "3:1,4:0.5"`` (dmft refuses both or neither)."""
    arguments: List[str] = []
    if p is not None:
        arguments += ["--p", str(int(p))]
    if mixture is not None:
        arguments += ["--mixture", mixture]
    return arguments
