"""Batch scoring: many articles from a DataFrame or a CSV, Parquet or JSONL file.

Every input row comes out exactly once, in input order, with its own columns unchanged and the
``attrib_*`` columns added. A row that cannot be analysed gets a message in ``attrib_error`` and
the run goes on. Files are read and written in chunks (memory stays bounded), chunks are scored in
worker processes that load the model once each, and the output appears at its path only when the
run has finished: it is assembled from per-chunk parts in a work folder beside it, which
``resume=True`` reuses after an interruption.
"""

from __future__ import annotations

import csv
import functools
import gc
import gzip
import hashlib
import io
import json
import multiprocessing
import os
import shutil
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pandas as pd

from .errors import InputError
from .result import Attribution

__all__ = [
    "OUTPUT_COLUMNS",
    "result_frame",
    "ScoreSummary",
    "score_file",
    "score_frame",
    "score_texts",
]

OUTPUT_COLUMNS: tuple[str, ...] = (
    "attrib_language",
    "attrib_is_syndicated",
    "attrib_source_domain",
    "attrib_source_host",
    "attrib_source_name",
    "attrib_confidence",
    "attrib_footer_text",
    "attrib_mixed_segments",
    "attrib_error",
)
DEFAULT_MAX_CHARS = 1_000_000
Row = tuple[Any, ...]


# ---------------------------------------------------------------------------- one row


def _error_row(message: str) -> Row:
    return ("", False, "", "", "", 0.0, "", 0, message)


def _invalid(text: Any, max_chars: int) -> str | None:
    """Why a row cannot be analysed, or None."""
    if text is None or (isinstance(text, float) and text != text):
        return "missing text"
    if not isinstance(text, str):
        return f"text is not a string ({type(text).__name__})"
    if not text or text.isspace():  # not text.strip(), without a copy of the text
        return "empty text"
    if len(text) > max_chars:
        return f"text longer than {max_chars} characters ({len(text)})"
    return None


def _row(r: Attribution | Exception) -> Row:
    if isinstance(r, Exception):  # a bad row must never stop the run
        return _error_row(f"analysis failed: {type(r).__name__}: {r}")
    return (
        r.language or "",
        r.is_syndicated,
        r.source_domain or "",
        r.source_host or "",
        r.source_name or "",
        r.confidence,
        " | ".join(s.text for s in r.footers),
        len(r.mixed_segments),
        "",
    )


_BATCH = 256  # articles that share one langdetect call (Detector.analyze_many)


def _score_rows(detector: Any, texts: Sequence[Any], max_chars: int) -> list[Row]:
    """One row of :data:`OUTPUT_COLUMNS` values per text, in order; errors stay in their row."""
    from .detector import analyze_batch, fewer_collections

    rows: list[Row] = []
    with fewer_collections():  # the rows of every batch so far stay alive
        for first in range(0, len(texts), _BATCH):
            part = texts[first : first + _BATCH]
            why = [_invalid(t, max_chars) for t in part]
            results = iter(
                analyze_batch(detector, [t for t, w in zip(part, why, strict=True) if w is None])
            )
            rows += [_row(next(results)) if w is None else _error_row(w) for w in why]
    if len(rows) != len(texts):
        raise AssertionError(f"{len(texts)} texts in, {len(rows)} rows out")
    return rows


def score_texts(
    texts: Sequence[Any], *, model: Any = None, max_chars: int = DEFAULT_MAX_CHARS
) -> list[Row]:
    """Score texts in this process; one tuple of :data:`OUTPUT_COLUMNS` values per text."""
    return _score_rows(_detector_for(model), texts, max_chars)


def _detector_for(model: Any) -> Any:
    from .detector import Detector, default_detector

    return default_detector() if model is None else Detector(model)


def score_frame(
    frame: pd.DataFrame,
    text_column: str = "text",
    *,
    model: Any = None,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> pd.DataFrame:
    """Return a copy of ``frame`` with the ``attrib_*`` columns added (same rows, same order).

    Raises
    ------
    TypeError
        ``frame`` is not a DataFrame.
    InputError
        The text column is missing, or the frame already has ``attrib_*`` columns.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"score_frame() takes a pandas DataFrame, not {type(frame).__name__}")
    _check_columns(list(frame.columns), text_column, "the DataFrame")
    rows = score_texts(list(frame[text_column]), model=model, max_chars=max_chars)
    out = pd.concat([frame, result_frame(rows, frame.index)], axis=1)
    if len(out) != len(frame):
        raise AssertionError(f"{len(frame)} rows in, {len(out)} out")
    return out


_DTYPES = (str, bool, str, str, str, "float64", str, "int64", str)


def result_frame(rows: Sequence[Row], index: Any) -> pd.DataFrame:
    """The ``attrib_*`` columns for scored rows, with fixed dtypes (also for no rows)."""
    return pd.DataFrame(
        {
            name: pd.Series([r[j] for r in rows], index=index, dtype=dtype)
            for j, (name, dtype) in enumerate(zip(OUTPUT_COLUMNS, _DTYPES, strict=True))
        }
    )


def _check_columns(columns: Sequence[Any], text_column: str, where: str) -> None:
    if text_column not in columns:
        shown = ", ".join(map(str, columns[:20])) or "none"
        raise InputError(
            f"{where} has no column {text_column!r} (columns: {shown}); name the text column "
            "with --text-column"
        )
    clash = [c for c in columns if c in OUTPUT_COLUMNS]
    if clash:
        raise InputError(f"{where} already has attrib output columns ({', '.join(clash)})")


# ---------------------------------------------------------------------------- formats


def _format_of(path: str) -> str:
    name = path.lower()
    if path == "-" or name.endswith((".csv", ".csv.gz")):
        return "csv"
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith((".jsonl", ".jsonl.gz", ".ndjson")):
        return "jsonl"
    raise InputError(f"{path}: unknown file type; use .csv, .csv.gz, .parquet, .jsonl or - (CSV)")


@dataclass
class _Chunk:
    index: int
    columns: list[str]
    rows: list[list[Any]] | None = None  # CSV / JSONL: values per column
    table: Any = None  # Parquet: a pyarrow RecordBatch
    notes: list[str] = field(default_factory=list)  # per-row read problems ("" when none)
    position: int | None = None  # bytes of the input file read so far, for the ETA
    data: bytes | None = None  # CSV file: the chunk's records undecoded, read by a worker
    count: int = 0  # how many records data holds

    def __len__(self) -> int:
        if self.data is not None:
            return self.count
        return self.table.num_rows if self.table is not None else len(self.rows or [])


def _open_text(path: str, encoding_errors: str) -> tuple[IO[str], Callable[[], int | None]]:
    """The file as text (BOM dropped), and a function telling how many bytes were read."""
    if path == "-":
        stream = io.TextIOWrapper(
            sys.stdin.buffer, encoding="utf-8-sig", errors=encoding_errors, newline=""
        )
        return stream, lambda: None
    raw = open(path, "rb")  # noqa: SIM115 - closed through the wrapper
    source: IO[bytes] = gzip.GzipFile(fileobj=raw) if path.lower().endswith(".gz") else raw
    stream = io.TextIOWrapper(source, encoding="utf-8-sig", errors=encoding_errors, newline="")
    return stream, raw.tell


def _read_csv(
    path: str, text_column: str, chunk_size: int, encoding_errors: str
) -> Iterator[_Chunk]:
    csv.field_size_limit(2**31 - 1)
    f, position = _open_text(path, encoding_errors)
    with f:
        reader = csv.reader(f)
        try:
            header = next(reader)
        except StopIteration:
            raise InputError(f"{path}: empty file, no header row") from None
        except UnicodeDecodeError as exc:
            raise _decode_error(path, exc, 1) from None
        _check_columns(header, text_column, path)
        width = len(header)
        index = 0
        rows: list[list[Any]] = []
        notes: list[str] = []
        line = 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except UnicodeDecodeError as exc:
                raise _decode_error(path, exc, reader.line_num + 1) from None
            except csv.Error as exc:
                raise InputError(f"{path}: line {reader.line_num}: not valid CSV: {exc}") from None
            line += 1
            row, note = _fitted(row, width)
            rows.append(row)
            notes.append(note)
            if len(rows) >= chunk_size:
                yield _Chunk(index, header, rows=rows, notes=notes, position=position())
                index += 1
                rows, notes = [], []
        if rows or index == 0:
            yield _Chunk(index, header, rows=rows, notes=notes, position=position())


_BLOCK = 1 << 23  # bytes read at a time when a CSV file is cut into chunks


def _read_csv_bytes(
    path: str, text_column: str, chunk_size: int, encoding_errors: str, record_ends: Any
) -> Iterator[_Chunk]:
    """:func:`_read_csv`'s chunks, cut from the file's bytes where the csv module's records end
    (``record_ends``: the compiled ``csv_record_ends``) and left undecoded: the worker that
    scores a chunk decodes and reads it (:func:`_work_csv`), so this process only cuts."""
    with open(path, "rb") as f:
        buf, offset, block = b"", 0, _BLOCK  # offset: where buf starts in the file
        header: list[str] | None = None
        index = 0
        while True:
            data = f.read(block)
            final = not data
            buf = buf + data if buf else data
            start, count = 0, 0  # the chunk being filled: where it starts in buf, its records
            for end in record_ends(buf, final):
                if header is None:
                    header = _csv_header(path, buf[:end], text_column, encoding_errors)
                    start = end
                    continue
                count += 1
                if count == chunk_size:
                    yield _Chunk(index, header, data=buf[start:end], count=count,
                                 position=offset + end)  # fmt: skip
                    index += 1
                    start, count = end, 0
            if final:
                if header is None:
                    raise InputError(f"{path}: empty file, no header row")
                if count or index == 0:
                    yield _Chunk(index, header, data=buf[start:], count=count,
                                 position=offset + len(buf))  # fmt: skip
                return
            # the records of an unfinished chunk are read again with the next block
            buf, offset = buf[start:], offset + start
            block = max(block, len(buf))  # a record longer than a block: read more at once


def _csv_header(path: str, data: bytes, text_column: str, encoding_errors: str) -> list[str]:
    try:
        text = data.decode("utf-8-sig", encoding_errors)
    except UnicodeDecodeError as exc:
        raise _decode_error(path, exc, 1) from None
    header = next(csv.reader(io.StringIO(text, newline="")), [])
    _check_columns(header, text_column, path)
    return header


def _fitted(row: list[str], width: int) -> tuple[list[str], str]:
    """A CSV row padded or cut to the header's width, and a note when it was ragged."""
    if len(row) == width:
        return row, ""
    return (row + [""] * width)[:width], f"ragged row: {len(row)} fields, header has {width}"


def _decode_error(path: str, exc: UnicodeDecodeError, line: int) -> InputError:
    where = _first_bad_byte(path) if path != "-" else None
    place = f"at line {where[0]}, byte {where[1]}" if where else f"near line {line}"
    return InputError(
        f"{path}: not valid UTF-8 {place} ({exc.reason}); fix the file or pass "
        "--encoding-errors replace to replace bad bytes with U+FFFD"
    )


def _first_bad_byte(path: str) -> tuple[int, int] | None:
    """(line, byte offset) of the first invalid UTF-8 byte; the reader decodes ahead in blocks."""
    opener = gzip.open if path.lower().endswith(".gz") else open
    offset = lines = 0  # of the start of `data`
    carry = b""
    with opener(path, "rb") as f:  # type: ignore[operator]
        for block in iter(lambda: f.read(1 << 16), b""):
            data = carry + block
            try:
                data.decode("utf-8")
                carry = b""
            except UnicodeDecodeError as exc:
                if exc.reason != "unexpected end of data":
                    return lines + data[: exc.start].count(b"\n") + 1, offset + exc.start
                carry = data[exc.start :]  # a character cut by the block boundary
                data = data[: exc.start]
            lines += data.count(b"\n")
            offset += len(data)
    return (lines + 1, offset) if carry else None


def _read_jsonl(
    path: str, text_column: str, chunk_size: int, encoding_errors: str
) -> Iterator[_Chunk]:
    f, position = _open_text(path, encoding_errors)
    with f:
        index = 0
        records: list[dict[str, Any]] = []
        notes: list[str] = []
        number = 0
        while True:
            try:
                line = f.readline()
            except UnicodeDecodeError as exc:
                raise _decode_error(path, exc, number + 1) from None
            if not line:
                break
            number += 1
            if not line.strip():
                continue
            try:
                value = json.loads(line)
                note = "" if isinstance(value, dict) else "line is not a JSON object"
            except ValueError as exc:
                value, note = None, f"line {number}: invalid JSON: {exc}"
            records.append(
                value if isinstance(value, dict) else {"attrib_raw": line.rstrip("\r\n")}
            )
            notes.append(note)
            if len(records) >= chunk_size:
                yield _Chunk(
                    index, [], rows=[[r] for r in records], notes=notes, position=position()
                )
                index += 1
                records, notes = [], []
        if records or index == 0:
            yield _Chunk(index, [], rows=[[r] for r in records], notes=notes, position=position())


def _read_parquet(path: str, text_column: str, chunk_size: int) -> Iterator[_Chunk]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError("reading Parquet needs pyarrow: pip install 'attrib[parquet]'") from None
    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:
        raise InputError(f"{path}: cannot be read as Parquet: {exc}") from None
    _check_columns(pf.schema_arrow.names, text_column, path)
    index = 0
    size, total = os.path.getsize(path), max(pf.metadata.num_rows, 1)
    seen = 0
    for batch in pf.iter_batches(batch_size=chunk_size):
        seen += batch.num_rows
        yield _Chunk(
            index,
            batch.schema.names,
            table=batch,
            notes=[""] * batch.num_rows,
            position=size * seen // total,  # by rows: Parquet is read by row group
        )
        index += 1
    if index == 0:
        yield _Chunk(0, pf.schema_arrow.names, table=pf.schema_arrow.empty_table(), notes=[])


def _texts_of(chunk: _Chunk, text_column: str) -> list[Any]:
    if chunk.table is not None:
        return chunk.table.column(text_column).to_pylist()
    if not chunk.columns:  # JSONL records
        return [
            r[0].get(text_column) if "attrib_raw" not in r[0] else None for r in chunk.rows or []
        ]
    j = chunk.columns.index(text_column)
    return [row[j] for row in chunk.rows or []]


# ---------------------------------------------------------------------------- writing parts


def _csv_cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6f}"
    return value


def _csv_field(value: Any) -> str:
    """One field as ``csv.writer`` (minimal quoting) writes it, with one difference: a field that
    holds a carriage return is quoted too. ``csv.writer`` with a ``"\n"`` line terminator leaves a
    lone ``"\r"`` bare, and every CSV reader takes that for the end of a row."""
    text = value if isinstance(value, str) else "" if value is None else str(value)
    if '"' in text:
        return '"' + text.replace('"', '""') + '"'
    if "," in text or "\n" in text or "\r" in text:
        return '"' + text + '"'
    return text


def _csv_line(fields: Sequence[Any]) -> str:
    """One CSV row ending in ``"\n"`` (a single empty field is written ``""``, as csv does)."""
    if len(fields) == 1 and _csv_field(fields[0]) == "":
        return '""\n'
    return ",".join(map(_csv_field, fields)) + "\n"


def _csv_text(rows: Sequence[Sequence[Any]], results: Sequence[Row]) -> str:
    """The CSV lines of rows with their results' cells after them (:func:`_csv_line` of each)."""
    return "".join(
        [_csv_line([*row, *map(_csv_cell, res)]) for row, res in zip(rows, results, strict=True)]
    )


def _csv_cell_text(value: Any) -> str:
    """A cell that is not a str, as :func:`_csv_field` reads it before quoting."""
    return str(_csv_cell(value))


def _csv_bytes(rows: Sequence[Sequence[str]], results: Sequence[Row]) -> bytes:
    """:func:`_csv_text` of rows of str, UTF-8 encoded: in one compiled pass when built."""
    from .speedups import compiled_module

    compiled = compiled_module()
    if compiled is None:
        return _csv_text(rows, results).encode("utf-8")
    return compiled.csv_lines(rows, results, _csv_cell_text)  # type: ignore[no-any-return]


def _put(path: Path, data: bytes) -> None:
    """Write a part: to a temporary name, then renamed, so a part on disk is always whole."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _write_part(chunk: _Chunk, results: list[Row], fmt: str, path: Path) -> None:
    if fmt == "csv":
        _put(path, _csv_bytes(chunk.rows or [], results))
        return
    if fmt == "jsonl":
        lines = []
        for row, res in zip(chunk.rows or [], results, strict=True):
            record = dict(row[0])
            record.update(zip(OUTPUT_COLUMNS, res, strict=True))
            lines.append(json.dumps(record, ensure_ascii=False) + "\n")
        _put(path, "".join(lines).encode("utf-8"))
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = (
        pa.Table.from_batches([chunk.table])
        if isinstance(chunk.table, pa.RecordBatch)
        else chunk.table
    )
    types = (
        pa.string(),
        pa.bool_(),
        pa.string(),
        pa.string(),
        pa.string(),
        pa.float64(),
        pa.string(),
        pa.int64(),
        pa.string(),
    )
    for j, (name, typ) in enumerate(zip(OUTPUT_COLUMNS, types, strict=True)):
        table = table.append_column(name, pa.array([r[j] for r in results], type=typ))
    out = io.BytesIO()
    pq.write_table(table, out)
    _put(path, out.getvalue())


def _assemble(parts: list[Path], header: list[str] | None, fmt: str, target: Path) -> None:
    tmp = target.with_name(target.name + ".attrib-tmp")
    if fmt == "parquet":
        import pyarrow.parquet as pq

        writer = None
        for part in parts:
            table = pq.read_table(part)
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema)
            writer.write_table(table)
        if writer is not None:
            writer.close()
    else:
        opener = gzip.open if target.name.lower().endswith(".gz") else open
        with opener(tmp, "wb") as out:  # type: ignore[operator]
            _concat_parts(out, parts, header, fmt)
    tmp.replace(target)


def _concat_parts(out: IO[bytes], parts: list[Path], header: list[str] | None, fmt: str) -> None:
    """Write the CSV header (if any) and the text parts, in order, to ``out``."""
    if fmt == "csv" and header is not None:
        out.write(_csv_line(header + list(OUTPUT_COLUMNS)).encode("utf-8"))
    for part in parts:
        with part.open("rb") as f:
            shutil.copyfileobj(f, out)


# ---------------------------------------------------------------------------- workers


@functools.lru_cache(maxsize=4)
def _worker_detector(model_path: str | None, trust: bool) -> Any:
    """One detector per process and model, loaded on first use and then reused: in attrib's
    worker processes (their initializer), on a Dask cluster's workers and in this process."""
    from .models import load_model

    return _detector_for(load_model(model_path, trust=trust) if model_path else None)


def _worker_start(model_path: str | None, trust: bool) -> None:
    """A worker process's initializer: its detector, then every object alive so far (the model,
    langdetect's and the lexicon's tables) moved out of the collector's sight, since none of them
    will ever be garbage."""
    _worker_detector(model_path, trust)
    gc.freeze()


def _shared_tables(model_path: str | None, trust: bool) -> None:
    """Load the detector and every table it builds on first use here, before the workers
    start: forked workers then read the same physical pages (the model's weights, langdetect's
    n-gram tables), one copy in the processor's shared cache instead of one per worker. Over
    100,000 benchmark rows on two cores the workers spent 2.5% less CPU time."""
    _worker_detector(model_path, trust).analyze(
        "Tables are built by a first article.\nThis one holds a host: www.example.com"
    )


def _work(texts: list[Any], max_chars: int, model_path: str | None, trust: bool) -> list[Row]:
    return _score_rows(_worker_detector(model_path, trust), texts, max_chars)


def _with_notes(results: list[Row], notes: Sequence[str]) -> None:
    """Put each row's read problem before its error message."""
    for k, note in enumerate(notes):
        if note:
            res = results[k]
            results[k] = res[:-1] + ((f"{note}; {res[-1]}" if res[-1] else note),)


def _tally(results: Sequence[Row]) -> tuple[int, int, int]:
    """Rows, syndicated rows and rows with an error."""
    return len(results), sum(1 for r in results if r[1]), sum(1 for r in results if r[-1])


def _csv_records(data: bytes, encoding_errors: str) -> list[list[str]]:
    """``list(csv.reader(...))`` of undecoded CSV records: in one compiled pass when built."""
    from .speedups import compiled_module

    compiled = compiled_module()
    if compiled is not None:
        return compiled.csv_rows(data.decode("utf-8", encoding_errors))  # type: ignore[no-any-return]
    csv.field_size_limit(2**31 - 1)
    stream = io.TextIOWrapper(
        io.BytesIO(data), encoding="utf-8", errors=encoding_errors, newline=""
    )
    return list(csv.reader(stream))


def _work_csv(
    source: bytes | tuple[str, int, int],
    count: int,
    header: list[str],
    text_column: str,
    encoding_errors: str,
    max_chars: int,
    model_path: str | None,
    trust: bool,
    part: str | None = None,
) -> tuple[bytes | None, int, int, int]:
    """Score a chunk of CSV records given undecoded: read them as :func:`_read_csv` reads a
    file, score them, and return the chunk's output part (the CSV lines), its rows, syndicated
    rows and errors.

    ``source`` is the records' bytes, or (file, start, end) for a worker process on the same
    machine, which reads them from the file; given ``part``, it writes the part there itself and
    returns None in the place of the lines, so neither travels through a pipe.
    """
    if isinstance(source, tuple):
        path, start, end = source
        with open(path, "rb") as f:
            f.seek(start)
            source = f.read(end - start)
    records = _csv_records(source, encoding_errors)  # a UnicodeDecodeError goes to the caller
    if len(records) != count:
        raise AssertionError(f"{count} records cut from the file, {len(records)} read")
    width, j = len(header), header.index(text_column)
    notes = []
    for k, row in enumerate(records):
        records[k], note = _fitted(row, width)
        notes.append(note)
    results = _work([row[j] for row in records], max_chars, model_path, trust)
    _with_notes(results, notes)
    lines = _csv_bytes(records, results)
    if part is not None:
        _put(Path(part), lines)
        return None, *_tally(results)
    return lines, *_tally(results)


# ---------------------------------------------------------------------------- the run


@dataclass
class ScoreSummary:
    """What a scoring run did."""

    rows: int = 0
    syndicated: int = 0
    errors: int = 0
    seconds: float = 0.0
    chunks: int = 0
    resumed_chunks: int = 0

    def line(self) -> str:
        """A one-line summary for the end of a run."""
        rate = self.rows / self.seconds if self.seconds else 0.0
        resumed = f", {self.resumed_chunks} chunks reused" if self.resumed_chunks else ""
        return (
            f"{self.rows} rows, {self.syndicated} syndicated, {self.errors} errors "
            f"in {self.seconds:.1f} s ({rate:.0f} rows/s{resumed})"
        )


class _Progress:
    def __init__(self, enabled: bool, total_bytes: int | None) -> None:
        self.enabled = enabled
        self.total = total_bytes
        self.start = time.monotonic()
        self.last = 0.0

    def update(self, rows: int, done_bytes: int | None, final: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or (not final and now - self.last < 0.5):
            return
        self.last = now
        elapsed = max(now - self.start, 1e-9)
        rate = rows / elapsed
        eta = ""
        if self.total and done_bytes:
            share = min(done_bytes / self.total, 1.0)
            left = elapsed * (1 - share) / share if share > 0 else 0
            eta = f", {share:5.1%}, ETA {left:5.0f} s"
        sys.stderr.write(f"\rattrib score: {rows} rows, {rate:.0f} rows/s{eta}   ")
        if final:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _fingerprint(path: str, options: dict[str, Any]) -> dict[str, Any]:
    st = os.stat(path)
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read(1 << 20))
    return {"input": os.path.abspath(path), "size": st.st_size, "mtime_ns": st.st_mtime_ns,
            "head_sha256": h.hexdigest(), "options": options}  # fmt: skip


def score_file(
    input_path: str,
    output_path: str,
    *,
    text_column: str = "text",
    jobs: int | None = None,
    chunk_size: int = 1000,
    model_path: str | None = None,
    trust: bool = False,
    resume: bool = False,
    progress: bool | None = None,
    encoding_errors: str = "strict",
    max_chars: int = DEFAULT_MAX_CHARS,
    on_chunk: Callable[[int], None] | None = None,
    executor: Executor | None = None,
) -> ScoreSummary:
    """Score a CSV, Parquet or JSONL file into another (formats by extension; ``-`` is CSV).

    Parameters
    ----------
    jobs
        Worker processes (default: all cores); 1 scores in this process.
    chunk_size
        Rows per chunk: the unit of work, of memory and of resuming.
    resume
        Continue an interrupted run from its last finished chunk; the output is byte-identical
        to an uninterrupted run.
    progress
        Progress bar on stderr; default: when stderr is a terminal.
    encoding_errors
        ``strict`` (stop with a message naming the line) or ``replace`` (bad bytes -> U+FFFD).
    executor
        Score the chunks on this ``concurrent.futures`` executor instead of worker processes
        of attrib's own, such as a Dask client's ``get_executor()`` (:func:`attrib.dask.score_files`
        streams a CSV file this way). It stays the caller's; ``jobs`` is then how many chunks
        are worked on at once (twice as many are in flight), and each of its workers loads the
        model with its first chunk.

    Raises
    ------
    InputError
        The input cannot be read, lacks the text column, or the options are wrong.
    """
    t0 = time.monotonic()
    fmt_in, fmt_out = _format_of(input_path), _format_of(output_path)
    if chunk_size < 1:
        raise InputError("--chunk-size must be at least 1")
    if encoding_errors not in ("strict", "replace"):
        raise InputError("--encoding-errors must be strict or replace")
    if input_path != "-" and not os.path.isfile(input_path):
        raise InputError(f"{input_path}: no such file")
    if fmt_in != fmt_out:
        raise InputError(f"input is {fmt_in}, output is {fmt_out}: use the same format for both")
    if input_path == "-" and resume:
        raise InputError("--resume needs an input file, not standard input")
    jobs = max(1, jobs or os.cpu_count() or 1)
    to_stdout = output_path == "-"
    target = Path(output_path) if not to_stdout else None
    if target is not None and target.exists() and target.is_dir():
        raise InputError(f"{output_path} is a folder")
    work = (
        Path(str(target) + ".attrib-work")
        if target
        else Path(os.getcwd()) / f".attrib-work-{os.getpid()}"
    )
    options = {"text_column": text_column, "chunk_size": chunk_size, "model": model_path,
               "encoding_errors": encoding_errors, "max_chars": max_chars}  # fmt: skip
    state_path = work / "state.json"
    fingerprint = _fingerprint(input_path, options) if input_path != "-" else {}
    done: set[int] = set()
    if resume and state_path.is_file():
        state = json.loads(state_path.read_text())
        if state.get("fingerprint") != fingerprint:
            raise InputError(
                f"{work} belongs to another input or other options; remove it or run without --resume"
            )
        done = {i for i in state.get("done", []) if (work / _part_name(i, fmt_out)).is_file()}
    else:
        if work.exists():
            shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)

    cut = _record_ends() if fmt_in == "csv" and _cuttable(input_path) else None
    if cut is not None:
        chunks = _read_csv_bytes(input_path, text_column, chunk_size, encoding_errors, cut)
    elif fmt_in == "csv":
        chunks = _read_csv(input_path, text_column, chunk_size, encoding_errors)
    elif fmt_in == "jsonl":
        chunks = _read_jsonl(input_path, text_column, chunk_size, encoding_errors)
    else:
        chunks = _read_parquet(input_path, text_column, chunk_size)
    total_bytes = os.path.getsize(input_path) if input_path != "-" else None
    show = sys.stderr.isatty() if progress is None else progress
    bar = _Progress(show, total_bytes)
    summary = ScoreSummary()
    header: list[str] | None = None
    parts: list[Path] = []
    rows_in = 0

    def finish(chunk: _Chunk, get: Callable[[], Any]) -> None:
        try:
            results = get()
        except UnicodeDecodeError as exc:  # a worker decoded the chunk: the file says where
            raise _decode_error(input_path, exc, 0) from None
        part = work / _part_name(chunk.index, fmt_out)
        if chunk.data is not None:
            lines, rows, syndicated, errors = results
        else:
            _with_notes(results, chunk.notes)
            rows, syndicated, errors = _tally(results)
        if rows != len(chunk):
            raise AssertionError(f"chunk {chunk.index}: {len(chunk)} rows in, {rows} out")
        if chunk.data is None:
            _write_part(chunk, results, fmt_out, part)
        elif lines is not None:  # else the worker wrote the part itself (_work_csv)
            _put(part, lines)
        done.add(chunk.index)
        _save_state(state_path, fingerprint, done)
        summary.rows += rows
        summary.syndicated += syndicated
        summary.errors += errors
        summary.chunks += 1
        if on_chunk:
            on_chunk(chunk.index)

    pool: Executor | None = executor
    if executor is None:
        if jobs > 1 and multiprocessing.get_start_method() == "fork":
            _shared_tables(model_path, trust)
        if jobs > 1:
            pool = ProcessPoolExecutor(
                jobs, initializer=_worker_start, initargs=(model_path, trust)
            )
        else:
            _worker_detector(model_path, trust)
    pending: deque[tuple[_Chunk, Future[Any]]] = deque()
    try:
        for chunk in chunks:
            rows_in += len(chunk)
            if header is None:
                header = chunk.columns
            parts.append(work / _part_name(chunk.index, fmt_out))
            if chunk.index in done:
                summary.resumed_chunks += 1
                summary.rows += len(chunk)
                continue
            if chunk.data is not None:
                # attrib's own workers read the chunk from the file and write its part
                local = executor is None and pool is not None
                end = chunk.position or 0
                task: tuple[Any, ...] = (
                    _work_csv,
                    (input_path, end - len(chunk.data), end) if local else chunk.data,
                    len(chunk), chunk.columns, text_column, encoding_errors, max_chars,
                    model_path, trust,
                    str(work / _part_name(chunk.index, fmt_out)) if local else None,
                )  # fmt: skip
            else:
                task = (_work, _texts_of(chunk, text_column), max_chars, model_path, trust)
            if pool is None:
                finish(chunk, functools.partial(*task))
            else:
                pending.append((chunk, pool.submit(*task)))
                while len(pending) > 2 * jobs:  # bounded memory: a few chunks in flight
                    c, fut = pending.popleft()
                    finish(c, fut.result)
            bar.update(summary.rows, chunk.position)
        while pending:
            c, fut = pending.popleft()
            finish(c, fut.result)
    finally:
        if executor is not None:  # the caller's: only this run's chunks are cancelled
            for _, fut in pending:
                fut.cancel()
        elif pool is not None:
            pool.shutdown(cancel_futures=True)
    if summary.rows != rows_in:
        raise AssertionError(f"{rows_in} rows read but {summary.rows} written")
    if to_stdout:
        _assemble_stdout(parts, header, fmt_out)
    else:
        assert target is not None
        _assemble(parts, header if fmt_out == "csv" else None, fmt_out, target)
    shutil.rmtree(work, ignore_errors=True)
    summary.seconds = time.monotonic() - t0
    bar.update(summary.rows, total_bytes, final=True)
    return summary


def _cuttable(path: str) -> bool:
    """A CSV file this process can cut into chunks without reading it: a plain file, not
    standard input or gzip."""
    return path != "-" and not path.lower().endswith(".gz") and os.path.isfile(path)


def _record_ends() -> Any:
    from .speedups import compiled_module

    compiled = compiled_module()
    return None if compiled is None else compiled.csv_record_ends


def _part_name(index: int, fmt: str) -> str:
    return f"part-{index:07d}.{'parquet' if fmt == 'parquet' else fmt}"


def _save_state(path: Path, fingerprint: dict[str, Any], done: set[int]) -> None:
    tmp = path.with_name("state.json.tmp")
    tmp.write_text(json.dumps({"fingerprint": fingerprint, "done": sorted(done)}))
    tmp.replace(path)


def _assemble_stdout(parts: list[Path], header: list[str] | None, fmt: str) -> None:
    _concat_parts(sys.stdout.buffer, parts, header, fmt)
    sys.stdout.buffer.flush()
