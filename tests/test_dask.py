"""The Dask engine gives exactly the rows of the single-process path, on a local cluster."""

from __future__ import annotations

import pandas as pd
import pytest

from attrib.batch import score_file, score_frame

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture(scope="module")
def articles(small_frame, seed_text):
    docs = list(dict.fromkeys(small_frame["doc_id"]))[:30]
    texts = ["\n\n".join(small_frame.loc[small_frame["doc_id"] == d, "text"]) for d in docs]
    frame = pd.DataFrame({"id": docs, "text": texts})
    frame.loc[len(frame)] = ["seed", seed_text]
    frame.loc[len(frame)] = ["blank", ""]
    return frame


def test_dask_rows_equal_the_single_process_rows(client, articles):
    import attrib.dask

    expected = score_frame(articles)
    ddf = dd.from_pandas(articles, npartitions=4)
    got = attrib.dask.score(ddf, text_column="text").compute()
    assert len(client.scheduler_info()["workers"]) == 2
    # Dask stores the input's strings as Arrow strings; the values are what must match.
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True), expected.reset_index(drop=True), check_dtype=False
    )
    assert got.to_dict("records") == expected.to_dict("records")


def test_score_files_on_a_cluster_writes_every_row(client, articles, tmp_path):
    from attrib.dask import score_files

    src = tmp_path / "in.csv"
    articles.to_csv(src, index=False)
    out = tmp_path / "out.csv"
    address = client.scheduler.address

    def detector_calls():  # on each worker: chunks it asked for its (cached) detector
        info = __import__("attrib.batch").batch._worker_detector.cache_info()
        return info.hits + info.misses

    before = client.run(detector_calls)
    summary = score_files(str(src), str(out), scheduler=address)
    got = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert summary.rows == len(got) == len(articles)
    assert list(got["id"]) == list(articles["id"])
    assert got.iloc[-2]["attrib_source_domain"] == "argaam.com"
    assert got.iloc[-1]["attrib_error"] == "empty text"
    # One CSV file is streamed through the workers (they scored its chunks, with the bundled
    # model: default_detector is loaded there): the local engine's bytes exactly.
    after = client.run(detector_calls)
    assert sum(after.values()) > sum(before.values())
    loaded = client.run(
        lambda: __import__("attrib.detector").detector.default_detector.cache_info()
    )
    assert all(info.currsize == 1 for w, info in loaded.items() if after[w] > before[w])
    local = tmp_path / "local.csv"
    score_file(str(src), str(local), jobs=1, progress=False)
    assert out.read_bytes() == local.read_bytes()


def test_a_glob_of_csv_files_is_read_one_partition_per_file(client, articles, tmp_path):
    from attrib.dask import score_files

    for k, part in enumerate((articles.iloc[:12], articles.iloc[12:])):
        part.to_csv(tmp_path / f"in-{k}.csv", index=False)
    out = tmp_path / "out.csv"
    summary = score_files(str(tmp_path / "in-*.csv"), str(out), scheduler=client.scheduler.address)
    got = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert summary.rows == len(articles) and summary.chunks == 2
    assert list(got["id"]) == list(articles["id"])
    expected = score_frame(articles)
    assert list(got["attrib_source_domain"]) == list(expected["attrib_source_domain"])


def test_missing_column_is_named(client, articles):
    import attrib.dask
    from attrib.errors import InputError

    with pytest.raises(InputError, match="no column 'body'"):
        attrib.dask.score(dd.from_pandas(articles, npartitions=2), text_column="body")


def test_score_files_parquet_folder(client, articles, tmp_path):
    from attrib.dask import score_files

    src = tmp_path / "in.parquet"
    articles.to_parquet(src, index=False)
    out = tmp_path / "out"
    summary = score_files(str(src), str(out), scheduler=client.scheduler.address)
    got = pd.read_parquet(out)
    assert summary.rows == len(got) == len(articles)
    assert summary.errors == 1 and summary.syndicated == int(got["attrib_is_syndicated"].sum())
    assert list(got["id"]) == list(articles["id"])


@pytest.mark.parametrize("as_glob", [False, True], ids=["one file, streamed", "a glob"])
def test_a_large_csv_of_multiline_texts_keeps_every_row(client, tmp_path, as_glob):
    from attrib.dask import score_files

    # 35 MB: Dask's own reader would read it in blocks of 16 MB, split inside a quoted text and
    # fail. Texts with line breaks, a lone carriage return, commas and quotes. Rows over
    # max_chars are not analysed: this is about reading and writing every row.
    line = 'A line of the story, with "quotes" and a comma.\n'
    texts = [
        f"Story {i}.\n" + line * 350 + ("Old Mac\rending." if i % 7 == 0 else "")
        for i in range(2000)
    ]
    ids = [str(i) for i in range(len(texts))]
    src, out = tmp_path / "big.csv", tmp_path / "out.csv"
    body = "".join(f'{i},"{t.replace(chr(34), chr(34) * 2)}"\n' for i, t in enumerate(texts))
    src.write_text("id,text\n" + body, encoding="utf-8", newline="")
    assert src.stat().st_size > 32 * 2**20
    source = str(tmp_path / "big*.csv") if as_glob else str(src)
    summary = score_files(source, str(out), scheduler=client.scheduler.address, max_chars=100)
    got = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert summary.rows == len(texts) and list(got["id"]) == ids
    assert list(got["text"]) == texts
    assert list(got["attrib_error"]) == [
        f"text longer than 100 characters ({len(t)})" for t in texts
    ]
