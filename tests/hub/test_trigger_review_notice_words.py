"""The notice asking an agency about a complaint it holds says what happened: the lead's
check of an ASB Case Review application counts it, and the agency is asked to confirm it
to the lead and to bring the case to the review panel's sitting (its day, once chosen;
before, that it will be told). It said that a panel "counted" the complaint, before any
panel had sat, and, once a sitting was chosen, that the panel "on 15 December … counted"
it, a day still to come."""

from __future__ import annotations

from datetime import timedelta

from hub.notice_messages import compose
from hub.templating import uk_datetime
from sharing import clock
from sharing.models import Notice
from sharing.vocabulary import NoticeKind, Role
from tests.fixtures.demo import demo_user


def _said(demo_hub, demo_session, about) -> str:
    settings = demo_hub.config["HUB_SETTINGS"]
    notice = Notice(
        kind=NoticeKind.TRIGGER_REVIEW,
        user=demo_user(demo_session, "northshire-police", Role.MANAGER),
        reference="NXP-2026-00024",
        path="/cases/1#trigger-1",
        about=about,
        created_at=clock.now(),
    )
    return " ".join(compose(notice, settings.mail, settings.service_name).get_content().split())


def test_asked_before_the_panels_sitting_is_chosen_the_notice_says_no_panel_counted_it(
    demo_hub, demo_session
) -> None:
    said = _said(demo_hub, demo_session, None)
    assert "panel counted" not in said
    assert (
        "An ASB Case Review (Community Trigger) application counts a complaint your agency "
        "holds on case NXP-2026-00024. Please confirm it to the Community Trigger lead. You "
        "will be asked to bring the case to the review panel once its sitting is chosen."
    ) in said


def test_asked_for_a_sitting_to_come_the_notice_names_the_sitting_to_bring_the_case_to(
    demo_hub, demo_session
) -> None:
    sitting = clock.now() + timedelta(days=8)
    said = _said(demo_hub, demo_session, sitting)
    assert "counted" not in said
    assert (
        "Please confirm it to the Community Trigger lead, and bring the case to the review "
        f"panel's sitting on {uk_datetime(sitting)}."
    ) in said
