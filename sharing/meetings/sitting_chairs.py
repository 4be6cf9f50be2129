"""Who chairs a partnership meeting's sitting and who are its members: the meeting's own
while the sitting is to come; kept on the sitting as it is held or cancelled, so that a
past sitting still names who chaired it and who were its members once the meeting's
chair or members change. A sitting is kept as it is cancelled (``sittings.call_off``),
and the sittings held are kept before the meeting's chair or members change
(``series_changes``): until then, the meeting's are those it was held with.
"""

from __future__ import annotations

from sharing import clock
from sharing.models import MeetingSitting, SittingMember, User


def chair_of(sitting: MeetingSitting) -> User:
    """Who chairs the sitting: as kept when it was held or cancelled; for one held and not
    yet kept, who chaired its conferences where it had any (they keep their chair when
    the meeting's changes); else the meeting's chair."""
    if sitting.chair is not None:
        return sitting.chair
    if sitting.cancelled or sitting.starts_at < clock.now():
        for conference in sitting.conferences:
            return conference.chair
    return sitting.series.chair


def members_of(sitting: MeetingSitting) -> list[User]:
    """The sitting's members: as kept when it was held or cancelled, else the meeting's
    standing members now."""
    if sitting.chair is not None:
        return [m.user for m in sitting.members]
    return [m.user for m in sitting.series.members]


def keep(sitting: MeetingSitting) -> None:
    """Keep on the sitting who chairs it and who are its members now (as it is held or
    cancelled); a sitting already kept stays as it was kept."""
    if sitting.chair is not None:
        return
    sitting.chair = chair_of(sitting)
    sitting.members = [SittingMember(user=m.user) for m in sitting.series.members]
