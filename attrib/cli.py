"""The ``attrib`` command line: analyze, train, evaluate."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._version import __version__
from .errors import AttribError, InputError

__all__ = ["main", "parse_args"]

log = logging.getLogger("attrib")


def _add_model(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--model", metavar="PATH", help="model file from `attrib train` (default: bundled)"
    )
    p.add_argument(
        "--trust",
        action="store_true",
        help="load a model file without its card or hash check (joblib runs code: trusted files only)",
    )


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line (testable without running anything)."""
    parser = argparse.ArgumentParser(
        prog="attrib", description="Find where a news article really came from."
    )
    parser.add_argument("--version", action="version", version=f"attrib {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    a = sub.add_parser("analyze", help="analyse one article (a text file, or - for stdin)")
    a.add_argument("file", nargs="?", default="-", help="article text file, or - (default)")
    a.add_argument("--json", action="store_true", help="print the full result as JSON")
    _add_model(a)

    t = sub.add_parser("train", help="train a model on labeled data (CSV, Parquet or JSONL)")
    t.add_argument("data", help="labeled data: doc_id, text, label per segment")
    t.add_argument("-o", "--output", required=True, metavar="MODEL", help="model file to write")
    t.add_argument("--seed", type=int, default=0, help="seed of the held-out split (default 0)")
    t.add_argument(
        "--holdout",
        type=float,
        default=0.2,
        help="share of documents held out to measure the model before the final fit (0 to skip)",
    )
    _add_tol(t)
    t.add_argument("--quiet", action="store_true", help="no progress on stderr")

    e = sub.add_parser("evaluate", help="measure a model on labeled data")
    e.add_argument("data", help="labeled data: doc_id, text, label per segment")
    e.add_argument("--json", action="store_true", help="print all metrics as JSON")
    how = e.add_mutually_exclusive_group()
    how.add_argument(
        "--group-split",
        action="store_true",
        help="cross-validate, holding out whole phrasing families (column --group-column)",
    )
    how.add_argument(
        "--leave-language-out",
        action="store_true",
        help="cross-validate, holding out one body language at a time (column language)",
    )
    e.add_argument("--group-column", default="footer_family", help="phrasing family column")
    e.add_argument("--folds", type=int, default=5, help="folds of --group-split (default 5)")
    e.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="cross-validation folds trained at once, one process each (default 1; -1: all cores)",
    )
    e.add_argument(
        "--predictions",
        metavar="PATH",
        help="also write each segment's gold label and predicted kind (CSV, Parquet or JSONL)",
    )
    _add_tol(e)
    e.add_argument("--quiet", action="store_true", help="no progress on stderr")
    _add_model(e)

    sheet = sub.add_parser(
        "label-sheet",
        help="segment articles into the training format, predictions pre-filled, to correct by hand",
    )
    sheet.add_argument(
        "articles", help="a CSV/Parquet/JSONL of articles, a .txt file or a folder of .txt"
    )
    sheet.add_argument(
        "-o", "--output", required=True, metavar="SHEET", help="sheet to write (.csv)"
    )
    sheet.add_argument("--text-column", default="text", help="column holding the article text")
    sheet.add_argument("--id-column", help="column holding an article id (default: row number)")
    _add_model(sheet)

    sc = sub.add_parser("score", help="score a CSV, Parquet or JSONL file of articles")
    sc.add_argument(
        "input", help="input file (.csv, .csv.gz, .parquet, .jsonl), or - for CSV on stdin"
    )
    sc.add_argument(
        "-o", "--output", required=True, help="output file of the same format, or - (CSV)"
    )
    sc.add_argument("--text-column", default="text", help="column holding the article text")
    sc.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    sc.add_argument("--chunk-size", type=int, default=1000, help="rows per chunk (default 1000)")
    sc.add_argument("--resume", action="store_true", help="continue an interrupted run")
    sc.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    sc.add_argument(
        "--encoding-errors",
        choices=("strict", "replace"),
        default="strict",
        help="invalid UTF-8: stop with a message (strict) or replace bad bytes (replace)",
    )
    sc.add_argument(
        "--max-chars",
        type=int,
        default=1_000_000,
        help="texts longer than this get attrib_error instead of a result (default 1000000)",
    )
    sc.add_argument(
        "--engine", choices=("local", "dask"), default="local", help="local (default) or dask"
    )
    sc.add_argument(
        "--scheduler", metavar="ADDRESS", help="Dask scheduler address (with --engine dask)"
    )
    _add_model(sc)
    return parser.parse_args(argv)


def _load(args: argparse.Namespace) -> Any:
    if not args.model:
        return None
    from .models import load_model

    return load_model(args.model, trust=args.trust)


def _read_text(name: str) -> str:
    if name == "-":
        data = sys.stdin.buffer.read()
        where = "standard input"
    else:
        try:
            data = Path(name).read_bytes()
        except OSError as exc:
            raise InputError(f"{name}: cannot be read: {exc.strerror or exc}") from None
        where = name
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{where} is not valid UTF-8 (byte {exc.start}): convert it first"
        ) from None


def _short(text: str, width: int = 72) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _cmd_analyze(args: argparse.Namespace) -> int:
    from . import analyze

    result = analyze(_read_text(args.file), model=_load(args))
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return 0
    verdict = "yes" if result.is_syndicated else "no"
    print(f"language:    {result.language or 'unknown'}")
    print(f"syndicated:  {verdict} (confidence {result.confidence:.2f})")
    if result.source_domain:
        print(f"source:      {result.source_domain} (written {result.source_host})")
    elif result.source_name:
        print(f"source:      {result.source_name} (name only, no domain written)")
    else:
        print("source:      none found")
    print("segments:")
    for seg in result.segments:
        mark = {"body": " ", "footer": "F", "boilerplate": "C"}[seg.kind]
        mixed = f" mixed:{seg.language}" if seg.mixed_language else ""
        print(f"  {mark} {seg.kind:<11} {seg.start:>5}-{seg.end:<5}{mixed:<10} {_short(seg.text)}")
    return 0


def _add_tol(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--tol",
        type=float,
        metavar="TOL",
        help="the solver's stopping tolerance (default 1e-8: fitted to convergence, the same "
        "model on any processor; 1e-4 fits three to four times faster, but where it stops depends "
        "on the processor)",
    )


def _fit_params(args: argparse.Namespace) -> dict[str, object] | None:
    if args.tol is None:
        return None
    if not args.tol > 0:
        raise InputError(f"--tol must be above 0, not {args.tol}")
    return {"clf__tol": args.tol}


def _cmd_train(args: argparse.Namespace) -> int:
    from .models import save_model
    from .training import ensure_writable, read_table, train_model

    out = ensure_writable(args.output)
    frame = read_table(args.data)

    def progress(msg: str) -> None:
        if not args.quiet:
            print(f"attrib train: {msg}", file=sys.stderr, flush=True)

    model = train_model(
        frame, seed=args.seed, holdout=args.holdout, params=_fit_params(args), progress=progress
    )
    card = dict(model.attrib_card_)
    card["training_data"] = Path(args.data).name
    save_model(model, out, card)
    m = card.get("metrics") or {}
    print(f"wrote {out} ({card['n_documents']} documents, {card['n_segments']} segments)")
    if m:
        print(
            f"held-out {m['holdout_documents']} documents: footer F1 {m['footer']['f1']:.3f}, "
            f"boilerplate F1 {m['boilerplate']['f1']:.3f}, body F1 {m['body']['f1']:.3f}, "
            f"domain accuracy {m['domain_accuracy']}"
        )
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from .training import (
        cross_validate,
        ensure_writable,
        evaluate_model,
        read_table,
        table_format,
        write_table,
    )

    frame = read_table(args.data)
    table_path = None
    if args.predictions:  # fail now, not after an hour of cross-validation
        table_format(args.predictions)
        table_path = ensure_writable(args.predictions)
    if args.group_split or args.leave_language_out:
        if args.model:
            raise InputError(
                "--model does not go with cross-validation, which trains its own models"
            )

        def progress(msg: str) -> None:
            if not args.quiet:
                print(f"attrib evaluate: {msg}", file=sys.stderr, flush=True)

        metrics = cross_validate(
            frame,
            split="group" if args.group_split else "language",
            group_column=args.group_column,
            folds=args.folds,
            params=_fit_params(args),
            progress=progress,
            jobs=args.jobs,
            predictions=table_path is not None,
        )
    else:
        metrics = evaluate_model(frame, model=_load(args), predictions=table_path is not None)
    if table_path is not None:
        write_table(metrics.pop("predictions"), table_path)
    if args.json:
        print(json.dumps(metrics, ensure_ascii=False, indent=2))
        return 0
    print(f"{metrics['documents']} documents, {metrics['segments']} segments")
    print(f"{'class':<12} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>8}")
    for kind in ("body", "boilerplate", "footer"):
        m = metrics[kind]
        print(
            f"{kind:<12} {m['precision']:>9.3f} {m['recall']:>7.3f} {m['f1']:>6.3f} {m['support']:>8}"
        )
    print("confusion (rows gold, columns predicted): body boilerplate footer")
    for gold, row in metrics["confusion"].items():
        print(
            f"  {gold:<12} " + " ".join(f"{row[k]:>6}" for k in ("body", "boilerplate", "footer"))
        )
    print(
        "footer F1 by language: "
        + ", ".join(f"{k} {v:.2f}" for k, v in metrics["footer_f1_by_language"].items())
    )
    print(
        f"domain accuracy: {metrics['domain_accuracy']} on {metrics['domain_documents']} documents"
    )
    return 0


def _cmd_label_sheet(args: argparse.Namespace) -> int:
    from .training import label_sheet, read_articles

    articles = read_articles(args.articles, args.text_column)
    id_column = args.id_column or ("id" if "id" in articles.columns else None)
    sheet = label_sheet(
        articles, text_column=args.text_column, id_column=id_column, model=_load(args)
    )
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.to_csv(out, index=False)
    n_docs = sheet["doc_id"].nunique()
    print(
        f"wrote {out}: {len(sheet)} segments of {n_docs} articles; correct the label column, then"
    )
    print(f"  attrib train {out} -o my-model.joblib")
    return 0


def _cmd_score(args: argparse.Namespace) -> int:
    common: dict[str, Any] = {
        "text_column": args.text_column,
        "model_path": args.model,
        "trust": args.trust,
        "max_chars": args.max_chars,
    }
    if args.engine == "dask":
        from .dask import score_files

        local_only = {
            "--resume": args.resume,
            "--jobs": args.jobs is not None,
            "--chunk-size": args.chunk_size != 1000,
            "--encoding-errors": args.encoding_errors != "strict",
        }
        unused = [name for name, given in local_only.items() if given]
        if unused:
            raise InputError(
                f"not with --engine dask: {', '.join(unused)} (local engine only; Dask sizes "
                "and retries its own partitions)"
            )
        summary = score_files(args.input, args.output, scheduler=args.scheduler, **common)
    else:
        from .batch import score_file

        summary = score_file(
            args.input,
            args.output,
            jobs=args.jobs,
            chunk_size=args.chunk_size,
            resume=args.resume,
            progress=False if args.quiet else None,
            encoding_errors=args.encoding_errors,
            **common,
        )
    if not args.quiet:
        print(f"attrib score: {summary.line()}", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 error, 2 usage)."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="attrib: %(message)s")
    handlers = {
        "analyze": _cmd_analyze,
        "train": _cmd_train,
        "evaluate": _cmd_evaluate,
        "label-sheet": _cmd_label_sheet,
        "score": _cmd_score,
    }
    try:
        return handlers[args.command](args)
    except AttribError as exc:
        print(f"attrib: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 1
