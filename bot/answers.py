"""What the answering service hands the front ends: answers, their passages, refused questions."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Passage:
    text: str
    score: float
    article_id: str
    title: str
    publisher: str | None
    author: str | None
    published: str | None
    url: str | None
    source: str | None
    start: int
    end: int
    speaker: str | None = None
    context_before: str | None = None
    context_after: str | None = None

    def to_json(self) -> dict:
        """The CLI contract's passage object (plus `speaker`, and context when asked for)."""
        data = asdict(self)
        if data["context_before"] is None and data["context_after"] is None:
            del data["context_before"], data["context_after"]
        return data


@dataclass(frozen=True)
class Answer:
    question: str
    answered: bool
    passages: list[Passage] = field(default_factory=list)
    terms: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "answered": self.answered,
            "passages": [p.to_json() for p in self.passages],
        }


@dataclass(frozen=True)
class AddedArticle:
    title: str
    sentences: int
    sources: list[str]


class QuestionError(ValueError):
    """A question that cannot be asked; `kind` names the message key in bot/messages.py."""

    def __init__(self, kind: str, length: int = 0, limit: int = 0) -> None:
        self.kind, self.length, self.limit = kind, length, limit
        super().__init__("the question is empty" if kind == "question_empty" else
                         f"the question is {length} characters long; ask in at most {limit}")


def check_question(question: str, limit: int) -> None:
    """Refuse a question that cannot be asked: empty, or longer than the limit."""
    if not question.strip():
        raise QuestionError("question_empty")
    if len(question.strip()) > limit:
        raise QuestionError("too_long", len(question.strip()), limit)
