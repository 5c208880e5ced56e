"""Lead fit scoring and the qualification gate. Pure functions of values."""

from __future__ import annotations

from dataclasses import dataclass

FREE_MAIL_DOMAINS = frozenset(
    {"gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "gmx.de", "web.de", "icloud.com"}
)
SENIOR_TITLE_WORDS = (
    "chief",
    "ceo",
    "cfo",
    "cto",
    "coo",
    "vp",
    "vice president",
    "head",
    "director",
)
HIGH_INTENT_SOURCES = frozenset({"demo_request", "referral", "contact_sales"})
QUALIFICATION_THRESHOLD = 50


@dataclass(frozen=True)
class Prospect:
    email: str
    company: str
    country: str | None
    employees: int | None
    title: str | None
    source: str


@dataclass(frozen=True)
class ScoreItem:
    rule: str
    points: int


@dataclass(frozen=True)
class Score:
    total: int
    items: tuple[ScoreItem, ...]

    @property
    def reasons(self) -> list[str]:
        return [f"{item.rule} (+{item.points})" for item in self.items]


def score_prospect(prospect: Prospect) -> Score:
    """Fit score: company size, seniority, business e-mail and source intent. Each rule that
    applies contributes its points, so every score explains itself."""
    items: list[ScoreItem] = []
    employees = prospect.employees or 0
    if employees >= 1000:
        items.append(ScoreItem("enterprise company (1000+ employees)", 40))
    elif employees >= 200:
        items.append(ScoreItem("mid-market company (200-999 employees)", 30))
    elif employees >= 20:
        items.append(ScoreItem("small business (20-199 employees)", 15))
    title = (prospect.title or "").lower()
    if any(word in title for word in SENIOR_TITLE_WORDS):
        items.append(ScoreItem("senior decision maker", 20))
    domain = prospect.email.rsplit("@", 1)[-1].lower()
    if domain not in FREE_MAIL_DOMAINS:
        items.append(ScoreItem("business e-mail domain", 10))
    if prospect.source in HIGH_INTENT_SOURCES:
        items.append(ScoreItem(f"high-intent source '{prospect.source}'", 20))
    return Score(total=sum(item.points for item in items), items=tuple(items))


def is_qualified(score: Score) -> bool:
    """The marketing-qualified gate: a fit score of at least the threshold."""
    return score.total >= QUALIFICATION_THRESHOLD
