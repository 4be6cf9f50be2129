"""The regulator's measures page and its CSV as analysts and managers meet them (demo
partnership): the menu offers it to those who may read it; the page and the CSV agree;
a year that is not one is refused at its field (400); anyone else is refused (403)."""

from __future__ import annotations

import csv
import io

from sharing import clock
from sharing.vocabulary import Role
from tests.fixtures.demo import demo_client, demo_user


def _year() -> int:
    """The last reporting year ended."""
    today = clock.today()
    return (today.year if today.month >= 4 else today.year - 1) - 1


def test_an_analyst_reads_the_measures_and_their_csv(demo_hub, demo_session) -> None:
    analyst = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.ANALYST))
    home = analyst.get("/").get_data(as_text=True)
    assert 'href="/figures/regulator"' in home
    page = analyst.get("/figures/regulator").get_data(as_text=True)
    assert "NM01 (1): ASB cases opened" in page
    assert "not TP12" in page
    for name in ("Northshire Homes", "Larkmoor Housing Association", "Wealdbrook Housing Trust"):
        assert name in page
    response = analyst.get(f"/figures/regulator.csv?year={_year()}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert (
        f"regulator-measures-{_year()}-{_year() + 1}.csv" in response.headers["Content-Disposition"]
    )
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0][:3] == ["year", "landlord", "NM01 (1): ASB cases opened"]
    for row in rows[1:]:
        assert row[1] in page
        for value in row[2:-1]:
            assert value.replace(",", "") in page.replace(",", "")


def test_a_year_that_is_not_one_is_refused_at_its_field(demo_hub, demo_session) -> None:
    analyst = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.ANALYST))
    for text, message in (
        ("banana", "Enter the year the reporting year starts in"),
        ("1999", "Enter a year from 2000"),
        (str(_year() + 1), "has not ended: figures are given only for years that have ended"),
    ):
        response = analyst.get(f"/figures/regulator?year={text}")
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert message in page
        assert 'href="#year"' in page
        assert analyst.get(f"/figures/regulator.csv?year={text}").status_code == 400


def test_roles_without_figures_are_refused(demo_hub, demo_session) -> None:
    officer = demo_client(demo_hub, demo_user(demo_session, "northshire-homes", Role.CASE_OFFICER))
    assert officer.get("/figures/regulator").status_code == 403
    assert 'href="/figures/regulator"' not in officer.get("/").get_data(as_text=True)


def _csv_rows(client) -> list[list[str]]:
    response = client.get(f"/figures/regulator.csv?year={_year()}")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_a_landlords_manager_reads_in_the_csv_which_line_is_exact(demo_hub, demo_session) -> None:
    """The page marks the manager's own landlord "Your agency: exact"; the file says so
    too, so that whoever opens it does not take the others' rounded counts for exact ones
    nor send on the own landlord's exact small counts as if they were rounded."""
    manager = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.MANAGER))
    rows = _csv_rows(manager)
    assert rows[0][-1] == "How counted"
    how = {row[1]: row[-1] for row in rows[1:]}
    assert how["Larkmoor Housing Association"] == "Exact: your landlord's own cases"
    rounded = "Rounded to a multiple of 5; a count below 5 shown as fewer than 5"
    assert how["Northshire Homes"] == rounded
    assert how["Wealdbrook Housing Trust"] == rounded


def test_an_analysts_csv_says_every_line_is_rounded(demo_hub, demo_session) -> None:
    analyst = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.ANALYST))
    rows = _csv_rows(analyst)
    assert {row[-1] for row in rows[1:]} == {
        "Rounded to a multiple of 5; a count below 5 shown as fewer than 5"
    }
