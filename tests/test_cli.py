"""The command line, driven in-process with click's CliRunner over a private copy of the corpus, plus
two real subprocess runs of the installed `ldn-assistant` script (paths that need no model)."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import copy_corpus

from ldn_assistant import Answer, safety
from ldn_assistant.cli import LAZY_COMMANDS, STDIN_QUESTION_LIMIT, main, question_from
from ldn_assistant.cli_options import EXIT_CODE_MEANINGS, ExitCode
from ldn_assistant.render import answer_text

pytestmark = pytest.mark.slow

SUMMARY = re.compile(r"^(\d+) added, (\d+) updated, (\d+) removed, (\d+) unchanged, (\d+) skipped; (\d+) passages \((\d+) embedded\) in \d+\.\ds$")
SCRIPT = Path(sys.executable).with_name("ldn-assistant")


@pytest.fixture(scope="module")
def cli(tmp_path_factory, embedder):
    """A corpus copy with two bad files, ingested through the CLI twice: with them, then without.

    `embedder` is requested only so the model is already in memory: each CLI call then loads it fast.
    """
    base = tmp_path_factory.mktemp("cli")
    corpus = copy_corpus(base / "corpus")
    env = {"LDN_CORPUS_DIR": str(corpus), "LDN_INDEX_DIR": str(base / "index"), "HF_HUB_OFFLINE": "1"}
    runner = CliRunner(env=env)
    (corpus / "scan.txt").write_bytes(b"\x00\x01\x02\x03" * 64)
    (corpus / "table.xlsx").write_bytes(b"PK\x03\x04 not a supported format")
    first = runner.invoke(main, ["ingest", "--quiet"])
    (corpus / "scan.txt").unlink()
    (corpus / "table.xlsx").unlink()
    second = runner.invoke(main, ["ingest", "--quiet"])
    return runner, env, corpus, first, second


def test_ingest_names_each_skipped_file_with_its_reason_and_exits_3(cli):
    _, _, _, first, _ = cli
    assert first.exit_code == 3, first.output
    errors = first.stderr.splitlines()
    assert any(line.startswith("skipped scan.txt: ") and "binary" in line for line in errors), first.stderr
    assert any(line.startswith("skipped table.xlsx: ") and "unsupported file type .xlsx" in line for line in errors)
    summary = SUMMARY.match(first.stdout.strip())
    assert summary, first.stdout
    added, updated, removed, unchanged, skipped, passages, embedded = map(int, summary.groups())
    assert (added, updated, removed, unchanged, skipped) == (5, 0, 0, 0, 2)
    assert passages == embedded > 0


def test_second_ingest_exits_0_and_embeds_nothing(cli):
    _, _, _, _, second = cli
    assert second.exit_code == 0, second.output
    assert second.stderr == ""
    summary = SUMMARY.match(second.stdout.strip())
    assert summary, second.stdout
    assert summary.group(4) == "5" and summary.group(7) == "0"


def test_ingest_lists_the_documents_without_a_metadata_file(tmp_path, embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "clinic-notes.md").write_text("# LDN clinic notes\n\nLow dose naltrexone is taken at night.", encoding="utf-8")
    (corpus / "described.txt").write_text("Low dose naltrexone for chronic pain, described.", encoding="utf-8")
    (corpus / "described.txt.meta.json").write_text('{"title": "Described"}', encoding="utf-8")
    runner = CliRunner(env={"LDN_CORPUS_DIR": str(corpus), "LDN_INDEX_DIR": str(tmp_path / "index"), "HF_HUB_OFFLINE": "1"})
    result = runner.invoke(main, ["ingest", "--quiet"])
    assert result.exit_code == 0, result.output  # a missing metadata file is a hint, not a failure
    assert result.stderr.splitlines() == ["no metadata file for clinic-notes.md (add clinic-notes.md.meta.json to name its title, outlet and date)"]
    docs = json.loads(runner.invoke(main, ["sources", "--json"]).stdout)
    assert {d["source_id"]: d["title"] for d in docs} == {"clinic-notes.md": "LDN clinic notes", "described.txt": "Described"}


def test_ingest_of_a_missing_corpus_fails_with_exit_1(tmp_path):
    runner = CliRunner(env={"LDN_CORPUS_DIR": str(tmp_path / "none"), "LDN_INDEX_DIR": str(tmp_path / "index")})
    result = runner.invoke(main, ["ingest", "--quiet"])
    assert result.exit_code == 1
    assert "Error:" in result.stderr and "LDN_CORPUS_DIR" in result.stderr


def test_ask_json_prints_valid_json_shaped_like_to_dict(cli, assistant):
    runner, _, corpus, _, _ = cli
    question = "What dose of LDN is used for fibromyalgia?"
    result = runner.invoke(main, ["ask", question, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    reference = assistant.ask(question).to_dict()
    assert set(data) == set(reference)
    assert data["status"] == "answered" and data["question"] == question
    assert data["disclaimers"] == list(safety.DISCLAIMERS)
    assert [set(p) for p in data["passages"]] == [set(reference["passages"][0])] * len(data["passages"])
    assert Answer.from_dict(data).to_dict() == data
    for p in data["passages"]:
        assert (corpus / p["source_id"]).read_text(encoding="utf-8")[p["start"] : p["end"]] == p["text"]


def test_ask_prints_plain_text_for_a_terminal_and_markdown_on_request(cli, assistant):
    runner = cli[0]
    question = "Can I take LDN with tramadol?"
    result = runner.invoke(main, ["ask", question])
    assert result.exit_code == 0, result.output
    out = result.stdout
    for disclaimer in safety.DISCLAIMERS:
        assert disclaimer in out
    assert out.index(safety.OPIOID_WARNING) < out.index("[1]")
    # The sources' own characters, with no Markdown markup or escapes around them.
    assert "**" not in out and "\\" not in out
    answer = assistant.ask(question)
    for p in answer.passages:
        assert p.title in out and p.text.splitlines()[0] in out
    result = runner.invoke(main, ["ask", question, "--markdown"])
    assert result.exit_code == 0, result.output
    assert result.stdout == answer.markdown + "\n"  # today's output, byte for byte, for piping
    assert "**Sources**" in result.stdout and "**[1]**" in result.stdout


def test_ask_with_an_unreadable_question_fails_with_the_reason(cli):
    runner = cli[0]
    result = runner.invoke(main, ["ask", "   "])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cannot answer: the question is empty")
    assert result.stdout == ""


def test_ask_against_an_index_built_with_other_settings_says_to_reingest(cli):
    runner, env, _, _, _ = cli
    result = runner.invoke(main, ["ask", "Is LDN FDA approved?"], env={**env, "LDN_MAX_PASSAGE_CHARS": "300"})
    assert result.exit_code == 1
    assert "ldn-assistant ingest" in result.stderr and "max_chars" in result.stderr


def test_sources_lists_the_five_documents_with_metadata(cli):
    runner = cli[0]
    result = runner.invoke(main, ["sources"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    for name in sorted(p.name for p in cli[2].glob("*.txt")):
        assert f"{name}\n" in out
    assert "  publisher: Pain News Network" in out
    assert "  date:      2024-11-10" in out
    # 001's metadata names no title: the document's own first heading line stands in (not its file name).
    assert "  title:     The Potential of LDN in Chronic Pain Management" in out
    assert out.count("  kind:") == 5


def test_sources_json_has_one_row_per_document_without_text(cli):
    result = cli[0].invoke(main, ["sources", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 5
    for row in rows:
        assert {"source_id", "title", "publisher", "author", "date", "kind", "url", "content_hash", "characters"} == set(row)


def test_sources_without_an_index_says_to_run_ingest(tmp_path):
    (tmp_path / "corpus").mkdir()
    runner = CliRunner(env={"LDN_CORPUS_DIR": str(tmp_path / "corpus"), "LDN_INDEX_DIR": str(tmp_path / "index")})
    result = runner.invoke(main, ["sources"])
    assert result.exit_code == 1
    assert "ldn-assistant ingest" in result.stderr


# --- Help ---------------------------------------------------------------------------------------


def _available(name: str) -> bool:
    module = LAZY_COMMANDS.get(name, (None,))[0]
    return module is None or importlib.util.find_spec(module) is not None


@pytest.mark.parametrize("command", sorted(["ingest", "ask", "sources", *LAZY_COMMANDS]))
def test_each_subcommand_help_shows_an_example(command):
    if not _available(command):
        pytest.skip(f"{LAZY_COMMANDS[command][0]} is not written yet")
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.stdout
    assert f"ldn-assistant {command}" in result.stdout


def test_top_level_help_lists_the_commands_and_examples():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("ingest", "ask", "sources"):
        assert command in result.stdout
    assert 'ldn-assistant ask "' in result.stdout


# --- The installed script, for real ------------------------------------------------------------------


@pytest.mark.skipif(not SCRIPT.exists(), reason="the ldn-assistant script is not installed in this environment")
def test_installed_script_runs_sources_and_ask(cli):
    _, env, _, _, _ = cli
    full_env = {**os.environ, **env}
    done = subprocess.run([str(SCRIPT), "sources", "--json"], env=full_env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)) == 5
    # An off-topic question ends at triage and scope, before retrieval: a real end-to-end run.
    done = subprocess.run([str(SCRIPT), "ask", "What is the capital of France?", "--json"], env=full_env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["status"] == "out_of_scope" and data["notice"] == safety.OUT_OF_SCOPE_NOTICE


def test_installed_script_exit_code_for_skipped_files(tmp_path):
    """`ldn-assistant ingest` in a real process exits 3 when a file was skipped."""
    if not SCRIPT.exists():
        pytest.skip("the ldn-assistant script is not installed in this environment")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "only.xlsx").write_bytes(b"PK")
    env = {**os.environ, "LDN_CORPUS_DIR": str(corpus), "LDN_INDEX_DIR": str(tmp_path / "index")}
    done = subprocess.run([str(SCRIPT), "ingest", "-q"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 3, done.stderr
    assert "skipped only.xlsx: unsupported file type .xlsx" in done.stderr
    assert done.stdout.startswith("0 added, 0 updated, 0 removed, 0 unchanged, 1 skipped; 0 passages")
    shutil.rmtree(tmp_path / "index", ignore_errors=True)


@pytest.mark.parametrize("command", [["ask", "What dose?"], ["ingest", "--quiet"], ["eval", "core"]])
def test_a_bad_setting_is_one_line_naming_the_variable(command, tmp_path):
    result = CliRunner().invoke(main, command, env={"LDN_TOP_K": "abc", "LDN_INDEX_DIR": str(tmp_path)})
    assert result.exit_code == ExitCode.USAGE
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == "Error: bad setting LDN_TOP_K='abc': Input should be a valid integer, unable to parse string as an integer"


# --- Settings as options, the question from standard input, exit codes ----------------------------

QUESTION = "What dose of LDN is used for fibromyalgia?"
# The exact shape of the plain-text answer `ask` prints for a terminal: status line, numbered quotes each
# with its source tag and citation, the source list, the disclaimers. Quote lines are "> text" or empty.
ANSWER_SHAPE = re.compile(
    r"\AQuoted from the sources\n\n"
    r"(?P<quotes>(?:\[\d\] Source [A-Z] · .+\n(?:> .*\n|\n)+?\n— .+\n\n)+)"
    r"Sources\n\n(?P<sources>(?:- \[\d\] .+\n)+)\n"
    r"Always read\n\n(?P<disclaimers>(?:- .+\n)+)\Z"
)


@pytest.fixture(scope="module")
def api_answer_top_3(cli, embedder):
    """The same question through the Python API, over the CLI's index with top_k=3: what the CLI must print."""
    from ldn_assistant.assistant import Assistant
    from ldn_assistant.settings import Settings

    _, env, _, _, _ = cli
    settings = Settings(corpus_dir=env["LDN_CORPUS_DIR"], index_dir=env["LDN_INDEX_DIR"], top_k=3)
    return Assistant(settings, embedder=embedder).ask(QUESTION)


def assert_answer_shape(stdout: str, passages: int) -> None:
    shape = ANSWER_SHAPE.match(stdout)
    assert shape, stdout
    assert re.findall(r"^\[(\d)\] Source", shape["quotes"], re.M) == [str(i) for i in range(1, passages + 1)]
    assert re.findall(r"^- \[(\d)\] ", shape["sources"], re.M) == [str(i) for i in range(1, passages + 1)]
    assert shape["disclaimers"].splitlines()[: len(safety.DISCLAIMERS)] == [f"- {d}" for d in safety.DISCLAIMERS]
    assert shape["disclaimers"].splitlines()[-1].startswith("- Evidence status: ")


def test_ask_with_index_dir_and_top_k_options_prints_the_exact_answer(cli, api_answer_top_3):
    """`ldn-assistant ask --index-dir X -k 3 "..."`: the options alone point at the index, with no LDN_* set."""
    _, env, _, _, _ = cli
    runner = CliRunner(env={"LDN_CORPUS_DIR": None, "LDN_INDEX_DIR": None, "LDN_TOP_K": None})
    result = runner.invoke(main, ["ask", "--index-dir", env["LDN_INDEX_DIR"], "-k", "3", QUESTION])
    assert result.exit_code == 0, result.output
    assert api_answer_top_3.status == "answered" and len(api_answer_top_3.passages) == 3
    assert result.stdout == answer_text(api_answer_top_3) + "\n"
    assert_answer_shape(result.stdout, passages=3)


def test_an_option_wins_over_its_environment_variable(cli, api_answer_top_3):
    runner, env, _, _, _ = cli
    result = runner.invoke(main, ["ask", "--top-k", "3", QUESTION], env={**env, "LDN_TOP_K": "7"})
    assert result.exit_code == 0, result.output
    assert result.stdout == answer_text(api_answer_top_3) + "\n"


@pytest.mark.parametrize("argv", [["ask", "-k", "3", "-"], ["ask", "-k", "3"]], ids=["dash", "no-argument"])
def test_ask_reads_a_piped_question_from_standard_input(cli, api_answer_top_3, argv):
    runner = cli[0]
    result = runner.invoke(main, argv, input=QUESTION + "\n")  # as `echo "..." |` sends it, with its newline
    assert result.exit_code == 0, result.output
    assert result.stdout == answer_text(api_answer_top_3) + "\n"
    assert_answer_shape(result.stdout, passages=3)


@pytest.mark.skipif(not SCRIPT.exists(), reason="the ldn-assistant script is not installed in this environment")
def test_installed_script_answers_echo_question_piped_into_ask_dash(cli, api_answer_top_3):
    """`echo "..." | ldn-assistant ask -` in a real shell pipe."""
    _, env, _, _, _ = cli
    done = subprocess.run(
        f'echo "{QUESTION}" | "{SCRIPT}" ask -k 3 -',
        shell=True,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == answer_text(api_answer_top_3) + "\n"
    assert_answer_shape(done.stdout, passages=3)


class Terminal(io.StringIO):
    """A standard input that is a terminal: nothing is piped."""

    def isatty(self) -> bool:
        return True


def test_ask_without_a_question_at_a_terminal_is_a_usage_error():
    with pytest.raises(click.UsageError, match="give a QUESTION, or '-'"):
        question_from(None, Terminal(""))
    assert question_from("-", Terminal("typed, then Ctrl-D\n")) == "typed, then Ctrl-D\n"  # '-' reads even a terminal
    assert question_from("asked", io.StringIO("ignored")) == "asked"


def test_a_piped_question_longer_than_the_limit_is_refused_before_anything_loads(tmp_path):
    runner = CliRunner(env={"LDN_INDEX_DIR": str(tmp_path / "index")})
    result = runner.invoke(main, ["ask", "-"], input="x" * (STDIN_QUESTION_LIMIT + 1))
    assert result.exit_code == ExitCode.USAGE
    assert f"more than {STDIN_QUESTION_LIMIT:,} characters" in result.stderr
    assert not (tmp_path / "index").exists()


@pytest.mark.parametrize("argv", [["ask", "-k", "99", "What dose?"], ["chat", "-k", "99"]], ids=["ask", "chat"])
def test_a_bad_option_value_is_one_line_naming_the_option(tmp_path, argv):
    result = CliRunner().invoke(main, argv, env={"LDN_INDEX_DIR": str(tmp_path)})
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr.strip().splitlines() == ["Error: bad setting --top-k='99': Input should be less than or equal to 20"]


def test_sources_takes_the_index_dir_option_over_an_empty_environment_index(cli, tmp_path):
    runner, env, _, _, _ = cli
    result = runner.invoke(main, ["sources", "--json", "--index-dir", env["LDN_INDEX_DIR"]], env={**env, "LDN_INDEX_DIR": str(tmp_path)})
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == 5


_FOLDERS = {"--corpus-dir": "LDN_CORPUS_DIR", "--index-dir": "LDN_INDEX_DIR"}
_ANSWERING = {**_FOLDERS, "--top-k": "LDN_TOP_K", "--model": "LDN_EMBEDDING_MODEL"}
SETTING_OPTIONS_BY_COMMAND = {
    "ingest": {**_FOLDERS, "--model": "LDN_EMBEDDING_MODEL", "--batch-size": "LDN_EMBEDDING_BATCH_SIZE"},
    "ask": {**_ANSWERING, "--domain": "LDN_DOMAIN"},
    "sources": {"--index-dir": "LDN_INDEX_DIR", "--model": "LDN_EMBEDDING_MODEL"},
    "eval": _ANSWERING,
    "bench": {"--corpus-dir": "LDN_CORPUS_DIR"},
    "chat": {**_ANSWERING, "--domain": "LDN_DOMAIN"},
}


def help_text(command: str) -> str:
    result = CliRunner().invoke(main, [command, "--help"] if command else ["--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("command", sorted(SETTING_OPTIONS_BY_COMMAND))
def test_each_setting_option_shows_its_environment_variable_and_default(command):
    from ldn_assistant.settings import Settings

    # The options part (not the examples above it), its wrapped lines joined.
    options = " ".join(help_text(command).split("\nOptions:\n", 1)[1].split())
    for flag, variable in SETTING_OPTIONS_BY_COMMAND[command].items():
        assert f" {flag} " in f" {options}", f"{command} --help has no {flag}"
        its_help = options.split(f"{flag} ", 1)[1]
        default = Settings.model_fields[variable.removeprefix("LDN_").lower()].default
        assert its_help.split("[env var: ", 1)[1].split("]", 1)[0] == f"{variable}; default: {default}"


@pytest.mark.parametrize("command", ["ingest", "eval", "bench"])
def test_every_command_with_progress_has_the_one_quiet_flag(command):
    text = help_text(command)
    assert re.search(r"^\s+-q, --quiet\s", text, re.M), text
    assert "--no-progress" not in text


def test_bench_still_accepts_its_old_no_progress_spelling():
    from ldn_assistant.evaluation.bench import bench_command

    with bench_command.make_context("bench", ["--no-progress"]) as ctx:
        assert ctx.params["quiet"] is True


def test_exit_codes_each_have_one_meaning_listed_in_help_and_readme():
    assert len({int(c) for c in ExitCode}) == len(ExitCode.__members__) == len(EXIT_CODE_MEANINGS)
    assert ExitCode.USAGE == 2  # click's own code for a usage error
    top = help_text("")  # the group's help lists them all
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for code, meaning in EXIT_CODE_MEANINGS.items():
        assert f"{int(code)}  {meaning}" in top
        assert f"| {int(code)} |" in readme
    assert "3  indexed, but some files were skipped" in help_text("ingest")
    assert "4  a --fail-under threshold was not met" in help_text("eval")


def test_eval_settings_options_are_refused_with_the_scifact_suite(tmp_path):
    result = CliRunner().invoke(main, ["eval", "--suite", "scifact", "--index-dir", str(tmp_path)])
    assert result.exit_code == ExitCode.USAGE
    assert "--index-dir apply to the golden suites, not to --suite scifact" in result.stderr


def test_eval_exits_4_on_a_missed_threshold_not_1(cli, tmp_path):
    """A quality gate that is missed is not a failure to run: its own code, so CI can tell them apart."""
    runner, env, _, _, _ = cli
    suite = tmp_path / "one.jsonl"
    case = {
        "id": "gate-001",
        "user_input": "What dose of LDN is used for fibromyalgia?",
        "category": "clinician",
        "expected_status": "answered",
        "reference_contexts": ["a sentence that no document in the corpus holds"],
        "reference_sources": [],
    }
    suite.write_text(json.dumps(case) + "\n", encoding="utf-8")
    result = runner.invoke(
        main,
        [
            "eval",
            str(suite),
            "--system",
            "ldn-assistant",
            "--no-triage",
            "-q",
            "--index-dir",
            env["LDN_INDEX_DIR"],
            "--report-dir",
            str(tmp_path / "report"),
            "--fail-under",
            "hit@1=0.5",
        ],
    )
    assert result.exit_code == ExitCode.THRESHOLD_MISSED == 4, result.output
    assert "FAILED threshold: ldn-assistant hit@1 = 0.0000, below the required 0.5" in result.stderr
