"""Scoring past one machine on Dask (optional extra: ``pip install 'attrib[dask]'``).

    import attrib.dask
    import dask.dataframe as dd
    from distributed import Client

    client = Client("tcp://scheduler:8786")
    ddf = dd.read_parquet("s3://bucket/articles/")
    attrib.dask.score(ddf, text_column="text").to_parquet("out/")

Each worker process loads the model once (the bundled one, or ``model_path``, which must be
readable at the same path on every worker) and scores its partitions with the same code as
``attrib score``, so the rows are exactly the ones the single-process path gives.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pandas as pd

from .batch import DEFAULT_MAX_CHARS, ScoreSummary, _check_columns, result_frame
from .errors import InputError

__all__ = ["score", "score_files"]

_SUMMARY = ("attrib_is_syndicated", "attrib_error")


def _require_dask() -> Any:
    try:
        import dask.dataframe as dd
    except ImportError as exc:
        raise ImportError(f"attrib.dask needs Dask: pip install 'attrib[dask]' ({exc})") from None
    return dd


def _score_partition(
    part: pd.DataFrame, text_column: str, model_path: str | None, trust: bool, max_chars: int
) -> pd.DataFrame:
    from .batch import _score_rows, _worker_detector

    if len(part):
        rows = _score_rows(_worker_detector(model_path, trust), list(part[text_column]), max_chars)
    else:
        rows = []
    extra = result_frame(rows, part.index)
    return pd.concat([part, extra], axis=1)


def score(
    ddf: Any,
    text_column: str = "text",
    *,
    model_path: str | None = None,
    trust: bool = False,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> Any:
    """Return ``ddf`` with the ``attrib_*`` columns added, lazily, partition by partition.

    Raises
    ------
    ImportError
        Dask is not installed (the ``attrib[dask]`` extra).
    InputError
        The text column is missing.
    """
    _require_dask()
    _check_columns(list(ddf.columns), text_column, "the dask DataFrame")
    if model_path is not None and not os.path.isfile(model_path):
        raise InputError(f"model file {model_path} not found")
    meta = _score_partition(ddf._meta, text_column, model_path, trust, max_chars)
    return ddf.map_partitions(
        _score_partition, text_column, model_path, trust, max_chars, meta=meta
    )


# Rows per task when a CSV file is streamed: each task carries its texts (250 articles of 2.5 KB
# are under a megabyte, well below what Dask warns about), and costs a fraction of a second.
_STREAM_CHUNK = 250


def _stream_csv(
    input_path: str,
    output_path: str,
    text_column: str,
    model_path: str | None,
    trust: bool,
    scheduler: str | None,
    max_chars: int,
) -> ScoreSummary:
    """One CSV file through the cluster: read and written here as ``attrib score`` does (the same
    bytes), its chunks scored on the workers. Dask cannot split a CSV whose quoted fields hold
    line breaks, and one partition of a large file would not fit a worker."""
    from .batch import score_file

    if model_path is not None and not os.path.isfile(model_path):
        raise InputError(f"model file {model_path} not found")
    client, cluster = _client(scheduler)
    try:
        slots = sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values())
        return score_file(
            input_path,
            output_path,
            text_column=text_column,
            jobs=max(1, slots),
            model_path=model_path,
            trust=trust,
            max_chars=max_chars,
            chunk_size=_STREAM_CHUNK,
            executor=client.get_executor(pure=False),
        )
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _client(scheduler: str | None) -> tuple[Any, Any]:
    from distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler), None
    cluster = LocalCluster(
        n_workers=os.cpu_count() or 1,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    return Client(cluster), cluster


def score_files(
    input_path: str,
    output_path: str,
    *,
    text_column: str = "text",
    model_path: str | None = None,
    trust: bool = False,
    scheduler: str | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> ScoreSummary:
    """Score CSV files (a path or glob), a Parquet file or folder, or JSONL files, on Dask.

    One CSV file is streamed: read and written on this machine as ``attrib score`` does (the same
    bytes, in bounded memory), its chunks scored on the workers. A glob of CSV files is read one
    partition per file and goes to one CSV file (written to a temporary name, then renamed);
    Parquet and JSONL go to a folder of part files. Without ``scheduler`` a local cluster of one
    worker process per core is started on 127.0.0.1 (no dashboard).
    """
    dd = _require_dask()
    import dask

    t0 = time.monotonic()
    name = input_path.lower().rstrip("/")
    if name.endswith((".csv", ".csv.gz")) and os.path.isfile(input_path):
        return _stream_csv(
            input_path, output_path, text_column, model_path, trust, scheduler, max_chars
        )
    try:
        if name.endswith((".csv", ".csv.gz")) or "*.csv" in name:
            # One partition per file: Dask splits a CSV at byte offsets, and a split inside a
            # quoted article with line breaks would cut rows apart (dask/dask#8045).
            ddf = dd.read_csv(input_path, dtype=str, keep_default_na=False, blocksize=None)
            kind = "csv"
        elif name.endswith(".parquet") or Path(input_path).is_dir():
            ddf = dd.read_parquet(input_path)
            kind = "parquet"
        elif name.endswith((".jsonl", ".ndjson")) or "*.jsonl" in name:
            ddf = dd.read_json(input_path, lines=True, dtype=False, blocksize=2**24)
            kind = "jsonl"
        else:
            raise InputError(f"{input_path}: use CSV, Parquet or JSONL files (or a glob of them)")
    except (OSError, ValueError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"{input_path}: cannot be read: {exc}") from None
    client, cluster = _client(scheduler)
    try:
        scored = score(ddf, text_column, model_path=model_path, trust=trust, max_chars=max_chars)
        if kind == "csv":
            tmp = output_path + ".attrib-tmp"
            # CRLF line ends, so that a text's lone carriage return is quoted, as the
            # single-process writer quotes it (a bare one reads as the end of a row).
            scored.to_csv(tmp, single_file=True, index=False, lineterminator="\r\n")
            os.replace(tmp, output_path)
            written = dd.read_csv(output_path, usecols=_SUMMARY, dtype=str, keep_default_na=False)
        elif kind == "parquet":
            scored.to_parquet(output_path, write_index=False)
            written = dd.read_parquet(output_path, columns=list(_SUMMARY))
        else:
            scored.to_json(output_path, orient="records", lines=True)
            written = dd.read_json(str(Path(output_path) / "*.part"), lines=True, dtype=False)[
                list(_SUMMARY)
            ]
        # Counted from what was written: scoring the graph twice would double the work.
        synd = written["attrib_is_syndicated"].astype(str).str.lower().isin(["true", "1"])
        rows, syndicated, errors = dask.compute(
            written.shape[0], synd.sum(), (written["attrib_error"].astype(str) != "").sum()
        )
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return ScoreSummary(
        rows=int(rows),
        syndicated=int(syndicated),
        errors=int(errors),
        seconds=time.monotonic() - t0,
        chunks=ddf.npartitions,
    )
