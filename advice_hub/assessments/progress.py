"""How far an assessment's advice has got: each piece of advice sought counted once.

A request passed on to a colleague and the colleague's own request are one piece of advice
sought, whoever writes it. A withdrawn request is no longer sought, unless existing advice
replaced it (reg 6(4)): then that advice is the piece, and it is in hand. Existing advice
recorded without replacing a request is a piece of its own, in hand too. A service that said
the child is not known to it has answered, but its advice is still missing.

The assessment page, the list of assessments and the section K appendix all count with
``advice_progress``, so no two of them disagree.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from advice_hub.models import AdviceRequest, AdviceReuse, Agency, RequestStatus


class PieceState(enum.StrEnum):
    RETURNED = "returned"  # submitted and sealed
    REUSED = "reused"  # existing advice is used instead (reg 6(4))
    NOT_KNOWN = "not_known"  # the service said the child is not known to it
    AWAITED = "awaited"  # still to come


IN_HAND = frozenset({PieceState.RETURNED, PieceState.REUSED})


@dataclass(frozen=True)
class PieceOfAdvice:
    """One piece of advice sought: the request for it, then each colleague's request it was
    passed on to (oldest first), or the existing advice used instead."""

    agency: Agency
    state: PieceState
    requests: tuple[AdviceRequest, ...] = ()
    reuse: AdviceReuse | None = None

    @property
    def advice_name(self) -> str:
        return self.agency.advice_name


@dataclass(frozen=True)
class AdviceProgress:
    """Every piece of advice an assessment seeks, in the order it was first asked for."""

    pieces: tuple[PieceOfAdvice, ...]

    def _count(self, *states: PieceState) -> int:
        return sum(1 for piece in self.pieces if piece.state in states)

    @property
    def sought(self) -> int:
        return len(self.pieces)

    @property
    def returned(self) -> int:
        """Pieces in hand: submitted and sealed, or existing advice reused."""
        return self._count(*IN_HAND)

    @property
    def reused(self) -> int:
        return self._count(PieceState.REUSED)

    @property
    def not_known(self) -> int:
        return self._count(PieceState.NOT_KNOWN)

    @property
    def awaited(self) -> list[PieceOfAdvice]:
        return [piece for piece in self.pieces if piece.state is PieceState.AWAITED]


def _state(last: AdviceRequest) -> PieceState:
    if last.status == RequestStatus.SUBMITTED:
        return PieceState.RETURNED
    if last.status == RequestStatus.DECLINED:
        return PieceState.NOT_KNOWN
    return PieceState.AWAITED


def advice_progress(
    requests: Iterable[AdviceRequest], reuses: Iterable[AdviceReuse] = ()
) -> AdviceProgress:
    """Count an assessment's advice from its requests and its reuses of existing advice.

    Reads only columns of the rows given (never a relationship), so a list of assessments
    loaded with their requests and reuses is counted without another query.
    """
    requests, reuses = list(requests), list(reuses)
    by_id = {r.id: r for r in requests}
    passed_to: dict[uuid.UUID, AdviceRequest] = {
        r.passed_on_from_id: r for r in requests if r.passed_on_from_id in by_id
    }
    replaced_by = {u.replaced_request_id: u for u in reuses if u.replaced_request_id is not None}
    counted: list[AdviceReuse] = []  # reuses counted as the piece a withdrawn request sought
    pieces = []
    for first in requests:
        if first.passed_on_from_id in by_id:
            continue  # a colleague's request: counted with the one passed on to them
        chain = [first]
        while (after := passed_to.get(chain[-1].id)) is not None and after not in chain:
            chain.append(after)
        last = chain[-1]
        reuse = replaced_by.get(last.id)
        if reuse is not None:
            counted.append(reuse)
            state = PieceState.REUSED
        elif last.status == RequestStatus.WITHDRAWN:
            continue  # no longer sought
        else:
            state = _state(last)
        pieces.append(PieceOfAdvice(Agency(last.agency), state, tuple(chain), reuse))
    # Existing advice that replaced none of these requests is a piece of advice of its own.
    pieces += [
        PieceOfAdvice(Agency(u.agency), PieceState.REUSED, reuse=u)
        for u in reuses
        if not any(u is c for c in counted)
    ]
    return AdviceProgress(tuple(pieces))
