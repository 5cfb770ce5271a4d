"""The corpus folder: the shipped seeds, their metadata sidecars, and how bad files are reported."""

from __future__ import annotations

import io
import json

import pytest
from conftest import CORPUS, ROOT

from ldn_assistant.corpus import META_SUFFIX, scan_corpus
from ldn_assistant.types import METADATA_FIELDS, content_hash

SEEDS = ROOT.parent / "shared" / "corpus-seeds"
SHIPPED = sorted(p for p in CORPUS.glob("*.txt"))


def test_the_five_shipped_documents_are_present():
    assert len(SHIPPED) == 5, [p.name for p in SHIPPED]


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/corpus-seeds is not present on this machine")
@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_seed_files_are_byte_identical_to_the_shared_seeds(path):
    assert path.read_bytes() == (SEEDS / path.name).read_bytes()


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/corpus-seeds is not present on this machine")
def test_every_shared_seed_is_shipped():
    assert {p.name for p in SEEDS.glob("*.txt")} == {p.name for p in SHIPPED}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_each_seed_has_a_valid_metadata_sidecar(path):
    sidecar = path.with_name(path.name + META_SUFFIX)
    assert sidecar.is_file(), f"{sidecar.name} is missing"
    data = json.loads(sidecar.read_text(encoding="utf-8"))
    assert set(data) == set(METADATA_FIELDS)
    assert all(v is None or (isinstance(v, str) and v.strip()) for v in data.values())
    assert data["kind"], "every shipped source says what kind of source it is"


def test_scan_of_the_shipped_corpus_loads_all_five_with_their_metadata():
    scan = scan_corpus(CORPUS, 20_000_000)
    assert scan.problems == ()
    by_id = {s.source_id: s for s in scan.sources}
    assert sorted(by_id) == [p.name for p in SHIPPED]
    pnn = by_id["004_902dfb8e700bca31.txt"]
    assert pnn.metadata.publisher == "Pain News Network"
    assert pnn.metadata.date == "2022-12-09"
    for source in scan.sources:
        assert source.text == (CORPUS / source.source_id).read_text(encoding="utf-8")
        assert source.content_hash == content_hash(source.text)


def test_a_source_without_a_title_takes_its_first_heading_line():
    scan = scan_corpus(CORPUS, 20_000_000)
    untitled = next(s for s in scan.sources if s.source_id == "001_68e565978181d4a7.txt")
    # Its metadata file names no title; its text opens with "Introduction", which titles nothing,
    # and its first real heading follows.
    assert untitled.title == "The Potential of LDN in Chronic Pain Management"
    assert untitled.title in untitled.text
    assert scan.without_metadata == ()  # every shipped document has a metadata file


def test_documents_without_a_metadata_file_are_named_and_titled_from_themselves(tmp_path):
    from pypdf import PdfReader, PdfWriter
    from test_loaders import handmade_pdf

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "page.html").write_text(
        "<html><head><title>LDN &amp; fibromyalgia: a review</title></head><body><h1>Other</h1><p>Low dose naltrexone.</p></body></html>",
        encoding="utf-8",
    )
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(handmade_pdf(["Naltrexone in low doses for pain."]))))
    writer.add_metadata({"/Title": "  Naltrexone   trial report "})
    with open(corpus / "trial.pdf", "wb") as out:
        writer.write(out)
    (corpus / "notes.md").write_text("# LDN clinic notes\n\nLow dose naltrexone at night.", encoding="utf-8")
    (corpus / "bare.txt").write_text("Low dose naltrexone is taken at night, and nothing here is a heading.", encoding="utf-8")
    (corpus / "named.txt").write_text("Heading of the text\n\nLow dose naltrexone.", encoding="utf-8")
    (corpus / "named.txt.meta.json").write_text('{"title": "From the metadata file"}', encoding="utf-8")

    scan = scan_corpus(corpus, 1_000_000)
    titles = {s.source_id: s.title for s in scan.sources}
    assert titles == {
        "page.html": "LDN & fibromyalgia: a review",
        "trial.pdf": "Naltrexone trial report",
        "notes.md": "LDN clinic notes",
        "bare.txt": "bare.txt",  # nothing to go by: the file name, as before
        "named.txt": "From the metadata file",
    }
    assert scan.without_metadata == ("bare.txt", "notes.md", "page.html", "trial.pdf")


def test_bad_files_are_reported_each_with_a_reason_and_the_rest_load(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "good.txt").write_text("Low dose naltrexone is used for chronic pain.", encoding="utf-8")
    (corpus / "sub" / "nested.md").write_text("# Nested\n\nLDN and fibromyalgia.", encoding="utf-8")
    (corpus / "zz-copy.txt").write_text("Low dose naltrexone is used for chronic pain.", encoding="utf-8")
    (corpus / "data.xlsx").write_bytes(b"PK\x03\x04")
    (corpus / "binary.txt").write_bytes(b"\x00\x01\x02" * 50)
    (corpus / "meta.txt").write_text("Naltrexone text with a broken sidecar.", encoding="utf-8")
    (corpus / "meta.txt.meta.json").write_text("{not json", encoding="utf-8")
    (corpus / "field.txt").write_text("Naltrexone text with an unknown field.", encoding="utf-8")
    (corpus / "field.txt.meta.json").write_text('{"titel": "typo"}', encoding="utf-8")
    (corpus / ".hidden.txt").write_text("never indexed", encoding="utf-8")
    (corpus / "README.md").write_text("about this folder", encoding="utf-8")

    scan = scan_corpus(corpus, 1_000_000)
    assert sorted(s.source_id for s in scan.sources) == ["good.txt", "sub/nested.md"]
    reasons = {p.path: p.reason for p in scan.problems}
    assert set(reasons) == {"zz-copy.txt", "data.xlsx", "binary.txt", "meta.txt", "field.txt"}
    assert "duplicate of good.txt" in reasons["zz-copy.txt"]
    assert "unsupported file type .xlsx" in reasons["data.xlsx"]
    assert "binary" in reasons["binary.txt"]
    assert "not valid JSON" in reasons["meta.txt"]
    assert "titel" in reasons["field.txt"]


def test_missing_corpus_folder_names_the_setting(tmp_path):
    with pytest.raises(FileNotFoundError, match="LDN_CORPUS_DIR"):
        scan_corpus(tmp_path / "nowhere", 1000)


@pytest.mark.parametrize(
    "text, title",
    [
        ("## LDN in practice ##\n\nBody text.", "LDN in practice"),
        ("November 10, 2024\n\nLow Dose Naltrexone for Chronic Pain\nBody text follows here.", "Low Dose Naltrexone for Chronic Pain"),
        ("2022-12-09\nIntroduction\nLDN and fibromyalgia\nText.", "LDN and fibromyalgia"),
        ("- Nausea\n- Vivid dreams\nA list and no heading at all.", None),
        ("Low dose naltrexone is taken at night.", None),  # a sentence, not a heading
        ("Home\n\nLDN", None),  # a menu word and one word are no title
    ],
)
def test_the_first_heading_line_skips_datelines_section_names_lists_and_sentences(text, title):
    from ldn_assistant.titles import heading_title

    assert heading_title(text) == title
