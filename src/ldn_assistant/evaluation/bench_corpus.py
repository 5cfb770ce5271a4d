"""Deterministic synthetic corpora for the scale benchmark, written as .txt files so the real ingest path runs.

Text comes from a word-bigram model of the shipped corpus: the vocabulary, word lengths and term
frequencies look like the real sources (so BM25 and the embedder do realistic work), and a seed fixes
every byte, so two runs of the benchmark index identical corpora.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

from ..corpus import scan_corpus
from ..index import split_settings
from ..settings import Settings
from ..splitting import split_source
from ..types import Source, SourceMetadata, content_hash

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d+(?:\.\d+)?")
_SENTENCE_END = re.compile(r"[.!?]$")
PARAGRAPHS_PER_FILE = 50


@dataclass
class BigramModel:
    """Next-word lists (with repeats, so choice() follows the observed frequencies)."""

    following: dict[str, list[str]]
    starts: list[str]

    @classmethod
    def from_texts(cls, texts: list[str]) -> BigramModel:
        following: dict[str, list[str]] = {}
        starts: list[str] = []
        for text in texts:
            tokens = [(m.group(0), text[m.end() : m.end() + 1]) for m in _WORD.finditer(text)]
            previous: str | None = None
            for word, after in tokens:
                if previous is None:
                    starts.append(word)
                else:
                    following.setdefault(previous.lower(), []).append(word.lower())
                # A full stop after a word ends the chain: the next word opens a sentence.
                previous = None if _SENTENCE_END.match(after or "") else word
        if not starts:
            raise ValueError("the source texts hold no words to learn from")
        return cls(following, starts)

    def sentence(self, rng: random.Random, min_words: int = 8, max_words: int = 28) -> str:
        length = rng.randint(min_words, max_words)
        words = [rng.choice(self.starts)]
        while len(words) < length:
            options = self.following.get(words[-1].lower())
            words.append(rng.choice(options) if options else rng.choice(self.starts).lower())
        first = words[0]
        return " ".join([first[:1].upper() + first[1:], *words[1:]]) + "."

    def paragraph(self, rng: random.Random, min_chars: int, max_chars: int) -> str:
        """Whole sentences adding up to between min_chars and max_chars (a longer sentence is cut at a word)."""
        text = ""
        while len(text) < min_chars:
            text = f"{text} {self.sentence(rng)}".strip()
        if len(text) > max_chars:
            text = text[:max_chars].rsplit(" ", 1)[0].rstrip(",;:") + "."
        return text


@dataclass(frozen=True)
class SyntheticCorpus:
    path: Path
    files: int
    passages: int  # as the real splitter cuts them, counted when written


def corpus_texts(corpus_dir: Path) -> list[str]:
    scan = scan_corpus(Path(corpus_dir), 50_000_000)
    return [source.text for source in scan.sources]


def write_synthetic_corpus(
    dest: Path,
    passages: int,
    source_dir: Path,
    seed: int = 1234,
    settings: Settings | None = None,
    paragraph_chars: tuple[int, int] = (260, 400),
) -> SyntheticCorpus:
    """Write .txt files into dest until the splitter cuts at least `passages` passages from them.

    Each paragraph sits under its own short heading, so it is one passage whatever its length; the
    default 260-400 characters is the size of a real passage (the quick benchmark uses shorter ones to
    embed faster). The count is taken from the real splitter rather than assumed.
    """
    settings = settings or Settings()
    model = BigramModel.from_texts(corpus_texts(source_dir))
    rng = random.Random(seed)
    dest.mkdir(parents=True, exist_ok=True)
    made = files = 0
    cut = split_settings(settings)
    while made < passages:
        wanted = min(PARAGRAPHS_PER_FILE, passages - made)
        sections = [f"Part {n + 1}\n\n{model.paragraph(rng, *paragraph_chars)}" for n in range(wanted)]
        text = f"Synthetic document {files + 1}\n\n" + "\n\n".join(sections) + "\n"
        name = f"synthetic_{files:05d}.txt"
        (dest / name).write_text(text, encoding="utf-8")
        source = Source(name, str(dest / name), text, SourceMetadata(), content_hash(text))
        made += len(split_source(source, cut))
        files += 1
    return SyntheticCorpus(dest, files, made)
