"""The command line, called as main([...])."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import attrib
from attrib.cli import main


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"attrib {attrib.__version__}"


def test_analyze_prints_a_readable_summary(capsys, tmp_path, seed_text):
    path = tmp_path / "a.txt"
    path.write_text(seed_text, encoding="utf-8")
    assert main(["analyze", str(path)]) == 0
    out = capsys.readouterr().out
    assert "language:    en" in out
    assert "syndicated:  yes" in out
    assert "source:      argaam.com (written www.argaam.com)" in out
    footer_lines = [line for line in out.splitlines() if line.lstrip().startswith("F ")]
    assert len(footer_lines) == 1 and "mixed:ar" in footer_lines[0]
    assert any(
        line.lstrip().startswith("C ") and "Leave a Comment" in line for line in out.splitlines()
    )


def test_analyze_json_is_to_dict(capsys, tmp_path, seed_text):
    path = tmp_path / "a.txt"
    path.write_text(seed_text, encoding="utf-8")
    assert main(["analyze", "--json", str(path)]) == 0
    assert json.loads(capsys.readouterr().out) == attrib.analyze(seed_text).to_dict()


def test_analyze_reads_stdin(capsys, monkeypatch, seed_text):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(seed_text.encode())))
    assert main(["analyze", "-"]) == 0
    assert "argaam.com" in capsys.readouterr().out


def test_missing_file_is_an_error_with_exit_1(capsys, tmp_path):
    assert main(["analyze", str(tmp_path / "nope.txt")]) == 1
    assert "cannot be read" in capsys.readouterr().err


def test_invalid_utf8_is_an_error_with_exit_1(capsys, tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Caf\xe9 au lait".encode("latin-1"))
    assert main(["analyze", str(path)]) == 1
    assert "not valid UTF-8" in capsys.readouterr().err


def test_analyze_with_a_model_file(capsys, tmp_path, seed_text, small_model_file):
    path = tmp_path / "a.txt"
    path.write_text(seed_text, encoding="utf-8")
    assert main(["analyze", "--model", str(small_model_file), "--json", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["language"] == "en"


def test_bad_model_file_is_an_error_with_exit_1(capsys, tmp_path, seed_text):
    bad = tmp_path / "bad.joblib"
    bad.write_bytes(b"junk")
    article = tmp_path / "a.txt"
    article.write_text(seed_text, encoding="utf-8")
    assert main(["analyze", "--model", str(bad), str(article)]) == 1
    assert "card" in capsys.readouterr().err


def test_train_then_evaluate(capsys, tmp_path, small_frame):
    data = tmp_path / "small.csv"
    small_frame.to_csv(data, index=False)
    model = tmp_path / "out" / "m.joblib"
    assert (
        main(["train", str(data), "-o", str(model), "--quiet", "--holdout", "0.2", "--tol", "1e-4"])
        == 0
    )
    out = capsys.readouterr().out
    assert "wrote" in out and "footer F1" in out
    card = json.loads((tmp_path / "out" / "m.card.json").read_text(encoding="utf-8"))
    assert card["params"]["clf__tol"] == 1e-4
    assert main(["evaluate", str(data), "--model", str(model), "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["footer"]["f1"] > 0.8


def test_train_on_bad_labels_is_an_error_with_exit_1(capsys, tmp_path):
    data = tmp_path / "bad.csv"
    data.write_text("doc_id,text,label\na,Hello,footnote\n", encoding="utf-8")
    assert main(["train", str(data), "-o", str(tmp_path / "m.joblib")]) == 1
    assert "unknown label 'footnote'" in capsys.readouterr().err


def test_a_tolerance_that_is_not_above_zero_is_an_error_before_training(capsys, tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("doc_id,text,label\na,Hello,body\na,Source: x.com,footer\n", encoding="utf-8")
    for tol in ("0", "-1", "nan"):
        assert main(["train", str(data), "-o", str(tmp_path / "m.joblib"), "--tol", tol]) == 1
        assert "--tol must be above 0" in capsys.readouterr().err
        assert main(["evaluate", str(data), "--group-split", "--tol", tol]) == 1
        assert "--tol must be above 0" in capsys.readouterr().err
    assert not (tmp_path / "m.joblib").exists()


def test_usage_errors_exit_2():
    with pytest.raises(SystemExit) as exc:
        main(["train"])
    assert exc.value.code == 2


def articles_from(frame, n=60):
    docs = list(dict.fromkeys(frame["doc_id"]))[:n]
    texts = ["\n\n".join(frame.loc[frame["doc_id"] == d, "text"]) for d in docs]
    import pandas as pd

    return pd.DataFrame({"id": docs, "body_text": texts})


def test_label_sheet_then_train_on_the_sheet(capsys, tmp_path, small_frame, seed_text):
    articles = tmp_path / "articles.csv"
    articles_from(small_frame).to_csv(articles, index=False)
    sheet = tmp_path / "sheet.csv"
    assert main(["label-sheet", str(articles), "-o", str(sheet), "--text-column", "body_text"]) == 0
    assert "correct the label column" in capsys.readouterr().out
    import pandas as pd

    rows = pd.read_csv(sheet, dtype=str, keep_default_na=False)
    assert list(rows.columns[:6]) == ["doc_id", "segment", "start", "end", "text", "label"]
    assert rows["doc_id"].nunique() == 60
    assert set(rows["label"]) <= {"body", "footer", "boilerplate"} and "footer" in set(
        rows["label"]
    )
    model = tmp_path / "from-sheet.joblib"
    assert (
        main(["train", str(sheet), "-o", str(model), "--quiet", "--holdout", "0", "--tol", "1e-4"])
        == 0
    )
    capsys.readouterr()
    assert (
        main(
            [
                "analyze",
                "--model",
                str(model),
                "--json",
                str(articles_from_seed(tmp_path, seed_text)),
            ]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["language"] == "en"


def articles_from_seed(tmp_path, seed_text):
    path = tmp_path / "seed.txt"
    path.write_text(seed_text, encoding="utf-8")
    return path


def test_label_sheet_reads_a_folder_of_text_files(capsys, tmp_path, seed_text):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "putin.txt").write_text(seed_text, encoding="utf-8")
    sheet = tmp_path / "sheet.csv"
    assert main(["label-sheet", str(folder), "-o", str(sheet)]) == 0
    import pandas as pd

    rows = pd.read_csv(sheet, dtype=str, keep_default_na=False)
    assert set(rows["doc_id"]) == {"putin"}
    footer = rows[rows["label"] == "footer"]
    assert list(footer["text"]) == ["ظهرت في الأصل على www.argaam.com"]
    assert (
        seed_text[int(footer["start"].iloc[0]) : int(footer["end"].iloc[0])]
        == footer["text"].iloc[0]
    )


def test_label_sheet_names_a_missing_text_column(capsys, tmp_path):
    articles = tmp_path / "a.csv"
    articles.write_text("id,content\n1,Hello\n", encoding="utf-8")
    assert main(["label-sheet", str(articles), "-o", str(tmp_path / "s.csv")]) == 1
    assert "no column 'text'" in capsys.readouterr().err


def _group_split_quickly(data: Path) -> list[str]:
    """`attrib evaluate` arguments for a 2-fold group split with quick fits, as JSON."""
    return [
        "evaluate",
        str(data),
        "--group-split",
        "--folds",
        "2",
        "--json",
        "--quiet",
        "--tol",
        "1e-4",
    ]


def test_evaluate_group_split_cross_validates(capsys, tmp_path, small_frame):
    data = tmp_path / "small.csv"
    small_frame.to_csv(data, index=False)
    assert main(_group_split_quickly(data)) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["split"] == "group" and len(metrics["folds"]) == 2
    assert metrics["documents"] == small_frame["doc_id"].nunique()
    assert metrics["footer"]["f1"] > 0.5


def test_evaluate_writes_each_segments_prediction_beside_its_label(capsys, tmp_path, small_frame):
    data, table = tmp_path / "small.csv", tmp_path / "out" / "predictions.csv"
    small_frame.to_csv(data, index=False)
    assert main([*_group_split_quickly(data), "--predictions", str(table)]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert "predictions" not in metrics
    rows = pd.read_csv(table, dtype=str, keep_default_na=False)
    assert len(rows) == metrics["segments"] == len(small_frame)
    assert list(rows["text"]) == list(small_frame["text"])  # one document after another
    assert set(rows["fold"]) == set(metrics["folds"])
    for gold, row in metrics["confusion"].items():
        for kind, n in row.items():
            assert ((rows["label"] == gold) & (rows["predicted"] == kind)).sum() == n


def test_evaluate_predictions_of_a_model_have_no_fold(capsys, tmp_path, small_frame):
    data, table = tmp_path / "small.csv", tmp_path / "predictions.jsonl"
    small_frame.to_csv(data, index=False)
    assert main(["evaluate", str(data), "--predictions", str(table)]) == 0
    rows = pd.read_json(table, lines=True, dtype=False)
    assert len(rows) == len(small_frame) and rows["fold"].isna().all()
    footers = small_frame.loc[small_frame["label"] == "footer", "text"]
    assert set(rows.loc[rows["label"] == "footer", "text"]) == set(footers)
    assert "footer" in capsys.readouterr().out


def test_evaluate_refuses_a_predictions_file_it_cannot_write(capsys, tmp_path, small_frame):
    data = tmp_path / "small.csv"
    small_frame.to_csv(data, index=False)
    assert main(["evaluate", str(data), "--predictions", str(tmp_path / "p.xlsx")]) == 1
    assert "unknown file type" in capsys.readouterr().err


def test_group_split_needs_the_family_column(capsys, tmp_path, small_frame):
    data = tmp_path / "small.csv"
    small_frame.drop(columns=["footer_family"]).to_csv(data, index=False)
    assert main(["evaluate", str(data), "--group-split", "--quiet"]) == 1
    assert "footer_family" in capsys.readouterr().err


def test_local_only_score_options_are_refused_with_dask(capsys, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("text\nHello there from Lisbon, where the sun is out.\n", encoding="utf-8")
    code = main(["score", str(src), "-o", str(tmp_path / "o.csv"), "--engine", "dask", "--resume"])
    assert code == 1
    assert "not with --engine dask: --resume" in capsys.readouterr().err


def test_train_refuses_an_output_under_a_file_before_training(capsys, tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("doc_id,text,label\na,Hello,body\na,Source: x.com,footer\n", encoding="utf-8")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["train", str(data), "-o", str(blocker / "sub" / "m.joblib"), "--quiet"]) == 1
    assert "is not a folder" in capsys.readouterr().err


def test_evaluate_refuses_zero_jobs_before_training(capsys, tmp_path, small_frame):
    data = tmp_path / "small.csv"
    small_frame.to_csv(data, index=False)
    assert main(["evaluate", str(data), "--group-split", "--jobs", "0", "--quiet"]) == 1
    assert "jobs must be a number of processes" in capsys.readouterr().err
