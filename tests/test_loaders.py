"""Each loader on real files written to a temporary folder: encodings, Markdown, HTML, PDF, bad files."""

from __future__ import annotations

import codecs
import io

import pytest

from ldn_assistant.loaders import LoadError, load_file, supported

BODY = "Low dose naltrexone — café, naïve, 4.5 mg at night.\nA second line about fibromyalgia pain.\n"


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- Plain text and Markdown -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoded",
    [
        pytest.param(BODY.encode("utf-8"), id="utf-8"),
        pytest.param(codecs.BOM_UTF8 + BODY.encode("utf-8"), id="utf-8-bom"),
        pytest.param(codecs.BOM_UTF16_LE + BODY.encode("utf-16-le"), id="utf-16-le-bom"),
        pytest.param(codecs.BOM_UTF16_BE + BODY.encode("utf-16-be"), id="utf-16-be-bom"),
        pytest.param(BODY.encode("utf-32"), id="utf-32-bom"),
    ],
)
def test_text_file_in_each_unicode_encoding_reads_back_exactly(tmp_path, encoded):
    text = load_file(write(tmp_path, "doc.txt", encoded), 10_000)
    assert text == BODY
    assert not text.startswith("\ufeff"), "the byte-order mark is not part of the text"


def test_latin1_text_file_is_decoded_not_rejected(tmp_path):
    body = "Naltrexone: café, naïve, crème, ½ tablet.\n"
    text = load_file(write(tmp_path, "old.txt", body.encode("latin-1")), 10_000)
    assert text == body


def test_windows_1252_quotes_are_decoded(tmp_path):
    body = "“Promising results” for naltrexone – a painkiller’s story.\n"
    assert load_file(write(tmp_path, "win.txt", body.encode("cp1252")), 10_000) == body


def test_markdown_is_kept_as_written(tmp_path):
    md = "# LDN dosing\n\nMost patients start at **1.5 mg** and rise to 4.5 mg.\n\n- one\n- two\n"
    assert load_file(write(tmp_path, "notes.md", md.encode()), 10_000) == md


def test_binary_file_with_a_text_suffix_is_rejected_with_a_reason(tmp_path):
    with pytest.raises(LoadError, match="binary"):
        load_file(write(tmp_path, "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20), 10_000)


def test_empty_file_is_rejected_with_a_reason(tmp_path):
    with pytest.raises(LoadError, match="no text"):
        load_file(write(tmp_path, "blank.txt", b" \n\t\n"), 10_000)


def test_file_over_the_size_limit_is_rejected_with_the_limit_named(tmp_path):
    with pytest.raises(LoadError, match="LDN_MAX_FILE_BYTES"):
        load_file(write(tmp_path, "big.txt", b"naltrexone " * 200), 100)


def test_unsupported_suffix_is_rejected_and_names_the_supported_ones(tmp_path):
    path = write(tmp_path, "sheet.xlsx", b"PK\x03\x04")
    assert not supported(path)
    with pytest.raises(LoadError, match=r"\.pdf"):
        load_file(path, 10_000)


def test_supported_suffixes_are_case_insensitive(tmp_path):
    assert supported(tmp_path / "A.TXT") and supported(tmp_path / "b.Html") and supported(tmp_path / "c.PDF")


# --- HTML ------------------------------------------------------------------------------------------

PAGE = """<!doctype html>
<html><head><title>LDN &amp; chronic pain</title>
<style>.secret { color: red } STYLE_LEAK</style>
<script>var leak = "SCRIPT_LEAK";</script></head>
<body>
<header><a href="/">HEADER_LEAK Home</a></header>
<nav><ul><li>NAV_LEAK Blog</li><li>Contact</li></ul></nav>
<main>
<h1>Low dose naltrexone</h1>
<p>LDN is used <em>off-label</em> for fibromyalgia &amp; other chronic pain.
It is taken at night.</p>
<ul><li>Start at 1.5&nbsp;mg</li><li>Rise to 4.5 mg</li></ul>
<div hidden>HIDDEN_LEAK</div>
<noscript>NOSCRIPT_LEAK</noscript>
</main>
<aside>ASIDE_LEAK related posts</aside>
<footer>FOOTER_LEAK © 2024</footer>
<script>SCRIPT_LEAK_2()</script>
</body></html>"""


@pytest.fixture()
def html_text(tmp_path):
    return load_file(write(tmp_path, "page.html", PAGE.encode("utf-8")), 100_000)


def test_html_keeps_the_visible_text(html_text):
    assert "LDN is used off-label for fibromyalgia & other chronic pain." in html_text
    assert "Low dose naltrexone" in html_text
    assert "Start at 1.5\xa0mg" in html_text or "Start at 1.5 mg" in html_text
    assert "Rise to 4.5 mg" in html_text


def test_html_block_elements_become_separate_lines(html_text):
    lines = html_text.splitlines()
    assert "Low dose naltrexone" in lines
    assert any(line.startswith("Rise to 4.5 mg") for line in lines)


@pytest.mark.parametrize(
    "leak", ["SCRIPT_LEAK", "STYLE_LEAK", "color: red", "HEADER_LEAK", "NAV_LEAK", "FOOTER_LEAK", "ASIDE_LEAK", "HIDDEN_LEAK", "NOSCRIPT_LEAK", "<", "&amp;"]
)
def test_html_never_shows_scripts_styles_or_page_chrome(html_text, leak):
    assert leak not in html_text


def test_html_title_leads_the_text(html_text):
    assert html_text.splitlines()[0] == "LDN & chronic pain"


def test_html_in_latin1_is_decoded(tmp_path):
    page = "<html><body><p>Naltrexone: café crème.</p></body></html>".encode("latin-1")
    assert "Naltrexone: café crème." in load_file(write(tmp_path, "old.htm", page), 10_000)


def test_html_with_no_visible_text_is_rejected(tmp_path):
    page = b"<html><head><script>x()</script></head><body><nav>Home</nav></body></html>"
    with pytest.raises(LoadError, match="no text"):
        load_file(write(tmp_path, "empty.html", page), 10_000)


# --- PDF ---------------------------------------------------------------------------------------


def handmade_pdf(lines: list[str]) -> bytes:
    """A minimal valid one-page PDF whose content stream draws the lines in Helvetica, with a correct xref."""
    ops = ["BT", "/F1 12 Tf", "72 720 Td", "14 TL"]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"({escaped}) Tj T*")
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n" % (len(objects) + 1))
    out.write(b"0000000000 65535 f \n")
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def test_handmade_pdf_is_structurally_valid():
    """pypdf reads it strictly, without having to repair the xref table."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(handmade_pdf(["Hello"])), strict=True)
    assert len(reader.pages) == 1


def test_pdf_text_is_extracted(tmp_path):
    lines = ["Low dose naltrexone (LDN) for chronic pain.", "Patients took 4.5 mg at bedtime."]
    text = load_file(write(tmp_path, "paper.pdf", handmade_pdf(lines)), 100_000)
    for word in ("Low", "naltrexone", "(LDN)", "chronic", "4.5", "bedtime."):
        assert word in text.split(), f"{word!r} not extracted from {text!r}"


def test_pdf_line_breaks_inside_a_paragraph_are_joined(tmp_path):
    lines = ["Naltrexone in low doses may reduce", "inflammation in the central nervous system."]
    text = load_file(write(tmp_path, "wrapped.pdf", handmade_pdf(lines)), 100_000)
    assert "may reduce inflammation" in text


def test_pdf_rendered_by_matplotlib_is_extracted(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    path = tmp_path / "figure.pdf"
    figure = Figure(figsize=(6, 2))
    figure.text(0.05, 0.5, "Naltrexone fibromyalgia trial results")
    with PdfPages(path) as pdf:
        pdf.savefig(figure)
    text = load_file(path, 1_000_000)
    for word in ("Naltrexone", "fibromyalgia", "trial", "results"):
        assert word in text


def test_corrupt_pdf_is_rejected_with_a_reason(tmp_path):
    with pytest.raises(LoadError, match="not a readable PDF"):
        load_file(write(tmp_path, "broken.pdf", b"%PDF-1.4\nthis is not really a pdf\n"), 10_000)


def test_pdf_without_text_is_rejected(tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(LoadError, match="no text"):
        load_file(write(tmp_path, "scan.pdf", buffer.getvalue()), 10_000)
