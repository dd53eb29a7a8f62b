"""Batch scoring: every row once, in order, columns kept, errors per row, resumable output."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import attrib
from attrib.batch import OUTPUT_COLUMNS, score_file, score_frame
from attrib.errors import InputError


@pytest.fixture(scope="module")
def articles(small_frame, seed_text) -> pd.DataFrame:
    docs = list(dict.fromkeys(small_frame["doc_id"]))[:40]
    texts = ["\n\n".join(small_frame.loc[small_frame["doc_id"] == d, "text"]) for d in docs]
    frame = pd.DataFrame({"id": docs, "text": texts, "note": [f"n{i}" for i in range(len(docs))]})
    frame.loc[len(frame)] = ["seed", seed_text, "the seed"]
    return frame


def read_csv(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_score_frame_adds_columns_and_keeps_rows(articles, seed_text):
    out = score_frame(articles)
    assert list(out.columns) == list(articles.columns) + list(OUTPUT_COLUMNS)
    assert len(out) == len(articles)
    pd.testing.assert_frame_equal(out[articles.columns], articles)
    seed = out.iloc[-1]
    assert seed["attrib_source_domain"] == "argaam.com"
    assert seed["attrib_footer_text"] == "ظهرت في الأصل على www.argaam.com"
    assert seed["attrib_mixed_segments"] == 1 and seed["attrib_error"] == ""
    assert seed["attrib_confidence"] == attrib.analyze(seed_text).confidence


def test_bad_rows_get_an_error_and_the_run_goes_on():
    frame = pd.DataFrame({"text": ["Fine text here.", None, "", 42, "x" * 50, float("nan")]})
    out = score_frame(frame, max_chars=20)
    assert list(out["attrib_error"]) == [
        "",
        "missing text",
        "empty text",
        "text is not a string (int)",
        "text longer than 20 characters (50)",
        "missing text",
    ]


def test_score_frame_names_a_missing_column_and_a_wrong_type(articles):
    with pytest.raises(InputError, match="no column 'body'"):
        score_frame(articles, text_column="body")
    with pytest.raises(TypeError, match="DataFrame"):
        score_frame(["a"])


def test_csv_rows_in_equal_rows_out_in_order_with_columns_unchanged(articles, tmp_path):
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    articles.to_csv(src, index=False)
    summary = score_file(str(src), str(dst), jobs=1, chunk_size=7, progress=False)
    out = read_csv(dst)
    assert summary.rows == len(out) == len(articles)
    pd.testing.assert_frame_equal(out[articles.columns], read_csv(src))
    assert list(out.columns[-len(OUTPUT_COLUMNS) :]) == list(OUTPUT_COLUMNS)
    assert summary.syndicated == (out["attrib_is_syndicated"] == "true").sum()
    assert not (tmp_path / "out.csv.attrib-work").exists()


def test_two_jobs_write_the_same_bytes_as_one(articles, tmp_path):
    src = tmp_path / "in.csv"
    articles.to_csv(src, index=False)
    score_file(str(src), str(tmp_path / "a.csv"), jobs=1, chunk_size=5, progress=False)
    score_file(str(src), str(tmp_path / "b.csv"), jobs=2, chunk_size=5, progress=False)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_ragged_rows_bom_and_nul_bytes(tmp_path):
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_bytes(
        "\ufeffid,text\n1,Hello world from Paris today.\n2,too,many,fields\n3\n4,nul\x00byte text\n".encode()
    )
    score_file(str(src), str(dst), jobs=1, progress=False)
    out = read_csv(dst)
    assert list(out["id"]) == ["1", "2", "3", "4"]
    assert out.columns[0] == "id"  # the BOM is not part of the first column's name
    assert out.loc[1, "attrib_error"].startswith("ragged row: 4 fields, header has 2")
    assert out.loc[2, "attrib_error"].startswith("ragged row: 1 fields")
    assert out.loc[3, "text"] == "nul\x00byte text"


def test_a_text_with_bare_carriage_returns_stays_one_row(tmp_path):
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    text = "Old Mac line endings.\rSecond line of the story.\rThird line."
    src.write_text(f'id,text\n1,"{text}"\n2,Plain text here.\n', encoding="utf-8", newline="")
    score_file(str(src), str(dst), jobs=1, progress=False)
    out = read_csv(dst)
    assert list(out["id"]) == ["1", "2"]
    assert out.loc[0, "text"] == text and out.loc[0, "attrib_error"] == ""


@given(
    st.lists(
        st.one_of(
            st.none(), st.integers(), st.text(alphabet=st.characters(blacklist_characters="\r"))
        )
    )
)
def test_csv_rows_are_written_as_the_csv_module_writes_them(fields):
    import csv
    import io

    from attrib.batch import _csv_line

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(fields)
    assert _csv_line(fields) == buf.getvalue()


def test_invalid_utf8_stops_with_a_message_or_is_replaced(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes(b"id,text\n1,caf\xe9 au lait dans le centre de Paris\n")
    with pytest.raises(
        InputError, match="not valid UTF-8 at line 2, byte 13.*--encoding-errors replace"
    ):
        score_file(str(src), str(tmp_path / "out.csv"), jobs=1, progress=False)
    assert not (tmp_path / "out.csv").exists()
    score_file(
        str(src), str(tmp_path / "out.csv"), jobs=1, progress=False, encoding_errors="replace"
    )
    assert read_csv(tmp_path / "out.csv").loc[0, "text"].startswith("caf\ufffd")


def test_missing_column_unreadable_file_and_unknown_format(articles, tmp_path):
    src = tmp_path / "in.csv"
    articles.to_csv(src, index=False)
    with pytest.raises(InputError, match="no column 'body'"):
        score_file(str(src), str(tmp_path / "o.csv"), text_column="body", progress=False)
    with pytest.raises(InputError, match="no such file"):
        score_file(str(tmp_path / "nope.csv"), str(tmp_path / "o.csv"), progress=False)
    with pytest.raises(InputError, match="unknown file type"):
        score_file(str(src), str(tmp_path / "o.xlsx"), progress=False)


@pytest.mark.parametrize("ext", ["parquet", "jsonl", "csv.gz"])
def test_other_formats_keep_rows_and_columns(articles, tmp_path, ext):
    src, dst = tmp_path / f"in.{ext}", tmp_path / f"out.{ext}"
    if ext == "parquet":
        articles.to_parquet(src, index=False)
        read = pd.read_parquet
    elif ext == "jsonl":
        articles.to_json(src, orient="records", lines=True, force_ascii=False)
        read = lambda p: pd.read_json(p, lines=True, dtype=False)  # noqa: E731
    else:
        articles.to_csv(src, index=False)
        read = read_csv
    score_file(str(src), str(dst), jobs=1, chunk_size=9, progress=False)
    out = read(dst)
    assert len(out) == len(articles)
    assert list(out["id"]) == list(articles["id"])
    assert list(out["note"]) == list(articles["note"])
    assert out.iloc[-1]["attrib_source_domain"] == "argaam.com"


def test_bad_jsonl_line_keeps_its_place(tmp_path):
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text(
        '{"text": "Hello from Rome, where it rained all day."}\n{broken\n[1, 2]\n', encoding="utf-8"
    )
    score_file(str(src), str(dst), jobs=1, progress=False)
    out = pd.read_json(dst, lines=True, dtype=False)
    assert len(out) == 3
    assert out.loc[0, "attrib_error"] == ""
    assert "invalid JSON" in out.loc[1, "attrib_error"] and out.loc[1, "attrib_raw"] == "{broken"
    assert "not a JSON object" in out.loc[2, "attrib_error"]


def test_cli_score_from_stdin_to_stdout(articles, tmp_path):
    data = articles.to_csv(index=False)
    done = subprocess.run(
        [sys.executable, "-m", "attrib", "score", "-", "-o", "-", "--jobs", "1", "--quiet"],
        input=data,
        capture_output=True,
        text=True,
        check=True,
    )
    out = pd.read_csv(__import__("io").StringIO(done.stdout), dtype=str, keep_default_na=False)
    assert len(out) == len(articles) and list(out["id"]) == list(articles["id"])


def test_a_killed_run_leaves_no_output_and_resumes_byte_identical(articles, tmp_path):
    big = pd.concat([articles] * 4, ignore_index=True)
    src = tmp_path / "in.csv"
    big.to_csv(src, index=False)
    ref = tmp_path / "ref.csv"
    score_file(str(src), str(ref), jobs=1, chunk_size=10, progress=False)

    dst = tmp_path / "out.csv"
    work = tmp_path / "out.csv.attrib-work"
    cmd = [sys.executable, "-m", "attrib", "score", str(src), "-o", str(dst), "--jobs", "1",
           "--chunk-size", "10", "--quiet"]  # fmt: skip
    proc = subprocess.Popen(cmd)

    def finished() -> int:  # chunks the run's state records as done (a part is written first)
        try:
            return len(json.loads((work / "state.json").read_text())["done"])
        except (OSError, ValueError, KeyError):
            return 0

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and finished() < 3:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = finished()
    assert 3 <= done < len(big) // 10 + 1, "the run was not killed midway"
    assert not dst.exists()  # never a truncated file at the output path
    summary = score_file(str(src), str(dst), jobs=1, chunk_size=10, progress=False, resume=True)
    assert summary.resumed_chunks == done  # from its last finished chunk
    assert dst.read_bytes() == ref.read_bytes()
    assert not work.exists()


def test_resume_refuses_another_input(articles, tmp_path):
    src = tmp_path / "in.csv"
    articles.to_csv(src, index=False)
    dst = tmp_path / "out.csv"
    stop = RuntimeError("stop")

    def interrupt(index):
        if index == 1:
            raise stop

    with pytest.raises(RuntimeError):
        score_file(str(src), str(dst), jobs=1, chunk_size=5, progress=False, on_chunk=interrupt)
    articles.iloc[:10].to_csv(src, index=False)
    with pytest.raises(InputError, match="another input"):
        score_file(str(src), str(dst), jobs=1, chunk_size=5, progress=False, resume=True)


def test_a_worker_process_loads_its_detector_once_and_hides_it_from_the_collector():
    import gc

    from attrib import batch

    try:
        batch._worker_start(None, False)
        assert gc.get_freeze_count() > 0  # the model and tables are never garbage
        assert batch._worker_detector(None, False) is batch._worker_detector(None, False)
    finally:
        gc.unfreeze()


def test_forked_workers_inherit_the_tables_the_parent_loaded(articles, tmp_path, monkeypatch):
    import multiprocessing

    from attrib import batch

    if multiprocessing.get_start_method() != "fork":
        pytest.skip("workers are not forked here")
    loaded = []
    monkeypatch.setattr(batch, "_shared_tables", lambda *a: loaded.append(a))
    src = tmp_path / "in.csv"
    articles.head(4).to_csv(src, index=False)
    score_file(str(src), str(tmp_path / "two.csv"), jobs=2, chunk_size=2, progress=False)
    assert loaded == [(None, False)]  # once, before the pool starts
    score_file(str(src), str(tmp_path / "one.csv"), jobs=1, progress=False)
    assert len(loaded) == 1  # one job needs no pool


_TRICKY_CSV = (
    b'id,text,note\r\n1,"A quoted text, with a comma\nand a line break",a\n'
    b'2,"He said ""hi"" and left.\r\nNext line.",b\r'
    b"3,bare text with \"a quote inside,c\n"
    b"\n"
    b"4,too,many,fields,here\n"
    b'5,"quoted, then" text after the quote,z\n'
    b"6,caf\xc3\xa9 \xe6\x9d\xb1\xe4\xba\xac nul\x00 byte,d\r\n"
    b"7,no newline at the end,e"
)  # fmt: skip


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 1000])
def test_csv_files_cut_undecoded_read_as_the_csv_module_reads_them(
    tmp_path, monkeypatch, chunk_size
):
    from attrib import batch

    if batch._record_ends() is None:
        pytest.skip("the compiled module is not built")
    src = tmp_path / "in.csv"
    src.write_bytes(_TRICKY_CSV)
    monkeypatch.setattr(batch, "_BLOCK", 7)  # records longer than a block, cut mid-"\r\n"
    score_file(str(src), str(tmp_path / "cut.csv"), jobs=1, chunk_size=chunk_size, progress=False)
    monkeypatch.setattr(batch, "_record_ends", lambda: None)  # the reader that decodes first
    score_file(str(src), str(tmp_path / "read.csv"), jobs=1, chunk_size=chunk_size, progress=False)
    assert (tmp_path / "cut.csv").read_bytes() == (tmp_path / "read.csv").read_bytes()
    out = read_csv(tmp_path / "cut.csv")
    assert len(out) == 8 and out.loc[3, "id"] == ""  # the blank line is a (ragged) row


def test_a_header_only_or_empty_csv_file(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes(b"id,text\n")
    summary = score_file(str(src), str(tmp_path / "out.csv"), jobs=1, progress=False)
    assert summary.rows == 0
    assert read_csv(tmp_path / "out.csv").columns[-1] == "attrib_error"
    src.write_bytes(b"")
    with pytest.raises(InputError, match="empty file"):
        score_file(str(src), str(tmp_path / "out2.csv"), jobs=1, progress=False)


def test_a_run_of_worker_processes_stopped_midway_resumes_byte_identical(articles, tmp_path):
    src, ref, dst = tmp_path / "in.csv", tmp_path / "ref.csv", tmp_path / "out.csv"
    articles.to_csv(src, index=False)
    score_file(str(src), str(ref), jobs=1, chunk_size=5, progress=False)

    class Stop(Exception):
        pass

    def stop_after_two(index):
        if index >= 1:
            raise Stop

    with pytest.raises(Stop):
        score_file(
            str(src), str(dst), jobs=2, chunk_size=5, progress=False, on_chunk=stop_after_two
        )
    assert not dst.exists()
    summary = score_file(str(src), str(dst), jobs=2, chunk_size=5, progress=False, resume=True)
    assert summary.resumed_chunks >= 2 and summary.rows == len(articles)
    assert dst.read_bytes() == ref.read_bytes()
