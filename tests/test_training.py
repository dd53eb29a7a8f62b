"""Training from labeled data: the format, its errors, determinism, and the round trip."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import QUICK_FIT

import attrib
from attrib.errors import DataSchemaError
from attrib.training import read_table, validate_frame, write_table


def frame(**cols):
    base = {"doc_id": ["a", "a", "a"], "text": ["Title", "Body text here.", "Source: x.com"]}
    base["label"] = ["body", "body", "footer"]
    base.update(cols)
    return pd.DataFrame(base)


def test_unknown_label_is_named_with_its_rows():
    with pytest.raises(DataSchemaError, match=r"unknown label 'footnote'.*rows 4"):
        validate_frame(frame(label=["body", "body", "footnote"]))


def test_missing_column_is_named():
    with pytest.raises(DataSchemaError, match="lacks column.*label"):
        validate_frame(frame().drop(columns=["label"]))


def test_empty_data_is_refused():
    with pytest.raises(DataSchemaError, match="no rows"):
        validate_frame(frame().iloc[0:0])


def test_a_document_with_no_text_is_named():
    df = pd.concat([frame(), pd.DataFrame({"doc_id": ["b"], "text": ["  "], "label": ["body"]})])
    with pytest.raises(DataSchemaError, match="no text: b"):
        validate_frame(df)


def test_an_empty_segment_row_is_named():
    with pytest.raises(DataSchemaError, match="empty text in rows 3"):
        validate_frame(frame(text=["Title", "", "Source: x.com"]))


def test_empty_doc_id_is_named():
    with pytest.raises(DataSchemaError, match="empty doc_id in rows 2"):
        validate_frame(frame(doc_id=["", "a", "a"]))


def test_bad_mixed_flag_is_named():
    with pytest.raises(DataSchemaError, match="mixed must be 0 or 1"):
        validate_frame(frame(mixed=["0", "yes", "1"]))


def test_labels_are_case_and_space_tolerant():
    df = validate_frame(frame(label=[" Body", "BODY", "footer "]))
    assert list(df["label"]) == ["body", "body", "footer"]


def test_training_needs_both_body_and_footer_rows():
    with pytest.raises(DataSchemaError, match="body and footer"):
        attrib.train(frame(label=["body", "body", "body"]))


def test_wrong_type_is_a_type_error():
    with pytest.raises(TypeError, match="DataFrame"):
        validate_frame([1, 2, 3])


@pytest.mark.parametrize("ext", ["csv", "csv.gz", "jsonl", "parquet"])
def test_the_same_columns_read_from_every_format(tmp_path, ext):
    df = frame()
    path = tmp_path / f"data.{ext}"
    if ext.startswith("csv"):
        df.to_csv(path, index=False)
    elif ext == "jsonl":
        df.to_json(path, orient="records", lines=True, force_ascii=False)
    else:
        df.to_parquet(path)
    back = validate_frame(read_table(path))
    assert list(back["label"]) == ["body", "body", "footer"]


def test_unreadable_or_unknown_files_give_input_errors(tmp_path):
    with pytest.raises(attrib.InputError, match="no such file"):
        read_table(tmp_path / "missing.csv")
    odd = tmp_path / "data.xlsx"
    odd.write_text("x")
    with pytest.raises(attrib.InputError, match="unknown file type"):
        read_table(odd)


@pytest.mark.parametrize("ext", ["csv", "csv.gz", "tsv", "jsonl", "parquet"])
def test_write_table_writes_what_read_table_reads_back(tmp_path, ext):
    df = pd.DataFrame({"doc_id": ["a", "a"], "text": ["Hello, world", "Fuente: INE"]})
    path = write_table(df, tmp_path / "sub" / f"t.{ext}")
    assert read_table(path).astype(str).equals(df)
    assert [f.name for f in path.parent.iterdir()] == [path.name]  # no temporary file left


def test_write_table_failures_are_input_errors_and_leave_nothing(tmp_path):
    df = pd.DataFrame({"text": ["x"]})
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    with pytest.raises(attrib.InputError, match="cannot be written"):
        write_table(df, blocker / "t.csv")
    with pytest.raises(attrib.InputError, match="unknown file type"):
        write_table(df, tmp_path / "t.xlsx")
    assert [f.name for f in tmp_path.iterdir()] == ["file.txt"]


def test_two_trainings_give_the_same_predictions(small_frame, small_model, seed_text):
    again = attrib.train(small_frame, holdout=0, params=QUICK_FIT)
    a = attrib.analyze(seed_text, model=small_model)
    b = attrib.analyze(seed_text, model=again)
    assert a.to_dict() == b.to_dict()
    coef_a = small_model.named_steps["clf"].coef_
    np.testing.assert_array_equal(coef_a, again.named_steps["clf"].coef_)


def test_train_load_analyze_round_trip(small_model_file, seed_text):
    model = attrib.load_model(small_model_file)
    result = attrib.analyze(seed_text, model=model)
    assert result.language == "en"
    assert len(result.segments) == 16


def test_evaluate_reports_per_class_per_language_confusion_and_domains(small_frame, small_model):
    metrics = attrib.evaluate(small_frame, model=small_model)
    assert set(metrics) >= {"body", "boilerplate", "footer", "confusion", "footer_f1_by_language"}
    assert metrics["footer"]["f1"] > 0.8
    assert metrics["domain_accuracy"] is not None
    total = sum(sum(row.values()) for row in metrics["confusion"].values())
    assert total == metrics["segments"] == len(small_frame)


def test_cross_validation_in_parallel_equals_one_process(small_frame):
    from attrib.training import cross_validate

    one = cross_validate(small_frame, split="group", folds=2, jobs=1, params=QUICK_FIT)
    two = cross_validate(small_frame, split="group", folds=2, jobs=2, params=QUICK_FIT)
    assert one == two
    assert set(one["folds"]) == {"fold0", "fold1"} and one["footer"]["support"] > 0


def test_training_also_learns_from_the_sentence_tails_that_prediction_reads():
    # Prediction reads the last sentences of a paragraph as candidate glued footers; training
    # shows the model those tails too, labeled as their segment: inside a body paragraph, a
    # sentence that names a site is body.
    from attrib.detector import training_records

    paragraph = (
        "The ministry said on Tuesday that applications for the new housing grant would open "
        "next month and that about 40,000 families were expected to qualify in the first year. "
        "Applications can be made at www.gov.example.org until March."
    )
    texts = ["Housing grant opens next month", paragraph, "Share this article"]
    labels = ["body", "body", "boilerplate"]
    records, record_labels = training_records(texts, labels)
    assert [r["text"] for r in records[:3]] == texts and record_labels[:3] == labels
    tails = records[3:]
    assert [r["text"] for r in tails] == [
        "Applications can be made at www.gov.example.org until March."
    ]
    assert record_labels[3:] == ["body"] and tails[0]["index"] == 1
    # Short lines have no tails: a short line of several sentences is read whole.
    assert training_records(["A title", "Source: x. More at y.com."], ["body", "footer"])[1] == [
        "body",
        "footer",
    ]
