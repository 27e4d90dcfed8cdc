"""Request bodies of the REST API: strict pydantic models (unknown fields are rejected)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StringConstraints,
    field_validator,
    model_validator,
)

Id = Field(min_length=1, max_length=128, pattern=r"^[^\x00-\x1f]+$")


class _Strict(BaseModel):
    # Python's JSON parser accepts NaN/Infinity; as weights or prices they silently yield NaN figures
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class SearchFiltersIn(_Strict):
    price_min: float | None = Field(default=None, ge=0)
    price_max: float | None = Field(default=None, ge=0)
    categories: list[str] = Field(default_factory=list, max_length=50)
    brands: list[str] = Field(default_factory=list, max_length=50)
    in_stock: bool = False

    @model_validator(mode="after")
    def _range(self) -> SearchFiltersIn:
        if self.price_min is not None and self.price_max is not None and self.price_min > self.price_max:
            raise ValueError(f"price_min {self.price_min} is above price_max {self.price_max}; swap them")
        return self


class SearchRequest(_Strict):
    query: str = Field(min_length=1, max_length=500)
    k: int = Field(default=10, ge=1, le=100)
    filters: SearchFiltersIn | None = None
    explain: bool = False
    user_id: str | None = Field(default=None, min_length=1, max_length=128, pattern=r"^[^\x00-\x1f]+$",
                                description="personalise with this user's content profile")


class RecommendRequest(_Strict):
    """A user's top-k; ``category``/``brand`` keep only matching items (any of the listed)."""

    user_id: str = Id
    k: int = Field(default=10, ge=1, le=100)
    category: list[str] = Field(default_factory=list, max_length=50)
    brand: list[str] = Field(default_factory=list, max_length=50)
    exclude_item_ids: list[str] = Field(default_factory=list, max_length=1000)
    new_visitor: bool = Field(default=False, description="serve the new-visitor list (popular and trending items) "
                              "when user_id is not a customer yet, instead of a 404; the response says so")

    def filters(self) -> dict[str, Any]:
        names = ("category", "brand", "exclude_item_ids")
        return {n: list(getattr(self, n)) for n in names if getattr(self, n)}


class ExplainRequest(_Strict):
    item_id: str = Id
    user_id: str | None = Field(default=None, min_length=1, max_length=128)
    query: str | None = Field(default=None, min_length=1, max_length=500)

    @model_validator(mode="after")
    def _one_context(self) -> ExplainRequest:
        if (self.user_id is None) == (self.query is None):
            raise ValueError("give exactly one of user_id (recommendation) or query (search)")
        return self


class CompareRequest(_Strict):
    a: str = Id
    b: str = Id
    user_id: str | None = Field(default=None, min_length=1, max_length=128)
    query: str | None = Field(default=None, min_length=1, max_length=500)

    @model_validator(mode="after")
    def _one_context(self) -> CompareRequest:
        if (self.user_id is None) == (self.query is None):
            raise ValueError("give exactly one of user_id (recommendation) or query (search)")
        if self.a == self.b:
            raise ValueError(f"a and b are the same item {self.a!r}; compare two different items")
        return self


class AskRequest(_Strict):
    question: str = Field(min_length=1, max_length=2000)
    user_id: str | None = Field(default=None, min_length=1, max_length=128)
    session: str = Field(default="default", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    intent: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[a-z_]+$",
                               description="the reading picked from a clarifying answer's options")


class EventIn(_Strict):
    user_id: str = Id
    item_id: str = Id
    type: Literal["view", "click", "add_to_cart", "purchase"] = "view"
    timestamp: datetime | None = None
    impression_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,64}$",
                                      description="the served list this event came from (an experiment's "
                                                  "/recommend or /search response gives it)")

    @field_validator("timestamp")
    @classmethod
    def _plausible_time(cls, value: datetime | None) -> datetime | None:
        """A live event happened now or in the past (not in year 9999, not before 2000)."""
        if value is None:
            return None
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        now = datetime.now(UTC)
        if aware > now + timedelta(days=1) or aware.year < 2000:
            raise ValueError(f"timestamp {value.isoformat()} is not a plausible event time (2000 .. now)")
        return value


class EventsRequest(_Strict):
    events: list[EventIn] = Field(min_length=1, max_length=1000)


class RuleSetIn(_Strict):
    """A whole rule set (the body of PUT /rules and of /whatif); rules are checked by the engine."""

    rules: list[dict[str, Any]] = Field(default_factory=list, max_length=500)
    message: str = Field(default="", max_length=500)


class RerankWeightsIn(_Strict):
    """Multi-objective re-rank weights (relevance x margin x stock x diversity/MMR)."""

    relevance: float = Field(default=1.0, ge=0)
    margin: float = Field(default=0.0, ge=0)
    stock: float = Field(default=0.0, ge=0)
    diversity: float = Field(default=0.0, ge=0, le=1)


class WhatIfRequest(_Strict):
    rules: list[dict[str, Any]] = Field(default_factory=list, max_length=500)
    weights: RerankWeightsIn | None = None
    user_id: str | None = Field(default=None, min_length=1, max_length=128)
    query: str | None = Field(default=None, min_length=1, max_length=500)
    k: int = Field(default=10, ge=1, le=50)


# a number (JSON true is not 1) or a typed percentage such as "-1.5%"
Percent = StrictFloat | Annotated[str, StringConstraints(min_length=1, max_length=32)]


class LabPlayRequest(_Strict):
    """One play of a lab scenario: the chosen action and the goal's predicted change in percent
    with a 90 % interval (numbers, or strings such as "2" or "-1.5%"; the lab checks them)."""

    learner: str = Field(min_length=1, max_length=40, description="1-40 letters, digits, spaces, '.', '-' or '_'")
    action: str = Field(min_length=1, max_length=8, description="the action's letter, e.g. B")
    predict: Percent
    low: Percent
    high: Percent


class ExperimentStartRequest(_Strict):
    """Start a live experiment: ``rules`` (the treatment) against the live rule set."""

    name: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$",
                      description="1-40 letters (kept in lower case), digits, '-' or '_', starting with a letter or digit")
    rules: list[dict[str, Any]] = Field(min_length=1, max_length=500,
                                        description="the treatment's rule set (the format of a rules file's list)")
    method: Literal["interleaving", "ab"] = "interleaving"
    traffic: StrictFloat = Field(default=100.0, gt=0, le=100, description="percentage of users enrolled")
    plan: StrictBool = Field(default=True, description="size the test from a what-if replay first (a few seconds)")
