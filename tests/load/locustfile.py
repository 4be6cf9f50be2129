"""The load test's users (locust): each signs in through the real pages as one demo
account of its own (password, then the authenticator code for those who have one), finds
its cases on its case list or the "shared with my agency" list, and then works as staff
do, half of its requests being case pages. Run by ``tests/load/run.py``, which starts the
hub and reads the results; not collected by pytest.

``LOAD_ACCOUNTS`` names a JSON file of accounts (email, password, totp secret or null,
role); ``LOAD_REQUEST_IDS`` a file to which the request ids of the case pages served are
written at the end, so that the run can check each has its audit entry. For the fault
scripts, ``LOAD_OUTCOMES`` names a JSON file written at the end with the request ids of
the incidents the hub acknowledged (its redirect after saving), the time of each case
page served, and every answer of 500 or more that is not one of the hub's own pages.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import gevent
import pyotp
from locust import FastHttpUser, constant, events, task
from locust.env import Environment

ACCOUNTS = json.loads(Path(os.environ["LOAD_ACCOUNTS"]).read_text())
_next_account = itertools.count()
#: The X-Request-Id of every case page served (200), to check against the audit log.
CASE_VIEWS: list[str] = []
#: When each case page was served (seconds since the epoch).
SERVED: list[float] = []
#: The X-Request-Id of every incident the hub said it saved (302 to the case).
ACKNOWLEDGED: list[str] = []
#: Answers of 500 or more that are not the hub's own pages: (status, path, first bytes).
BARE: list[tuple[int, str, str]] = []
#: How many answers of each status (0: no answer, the connection failed).
STATUSES: dict[int, int] = {}
#: Every page of the hub has the GOV.UK template; the API's errors are problem details.
_OWN_PAGE = ("govuk-template", "application/problem+json")

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
#: A link to a case page: the agency's own case, or a partner's shared for a purpose.
_CASE = re.compile(r'href="(/cases/\d+(?:\?purpose=[a-z_]+)?)"')
_OWN_CASE = re.compile(r'href="/cases/(\d+)"')
#: Seconds to measure once every user has signed in (``LOAD_SECONDS``; unset: locust's
#: own ``--run-time`` and ``--reset-stats`` decide, as the fault scripts use it).
MEASURED_SECONDS = int(os.environ.get("LOAD_SECONDS") or 0)
#: Users that have finished signing in, or given up (counted from 1).
_settled = itertools.count(1)


def _everyone_settled(environment: Environment) -> None:
    """Called as each user finishes signing in (or gives up). With ``LOAD_SECONDS``, once
    the last has, the figures start again from nothing and the run stops that many seconds
    later: what is measured is the mix with every user at work, not the sign-ins (a
    manager whose code was used by the baseline waits up to 30 s for a fresh one)."""
    runner = environment.runner
    if runner is None or not MEASURED_SECONDS:
        return
    if next(_settled) == runner.target_user_count:
        runner.stats.reset_all()
        gevent.spawn_later(MEASURED_SECONDS, runner.quit)


def _csrf(html: str) -> str:
    found = _CSRF.search(html)
    if found is None:
        raise RuntimeError("no CSRF token on the page")
    return found.group(1)


def _bare(response: object) -> None:
    """Note an answer of 500 or more that the hub did not write itself."""
    status = getattr(response, "status_code", 0) or 0
    if status < 500:
        return
    body = getattr(response, "text", "") or ""
    kind = getattr(response, "headers", {}).get("Content-Type", "")
    if not any(mark in body or mark in kind for mark in _OWN_PAGE):
        BARE.append((status, str(getattr(response, "url", "")), body[:80]))


@events.request.add_listener
def _each_answer(response: object = None, **_: object) -> None:
    status = getattr(response, "status_code", 0) or 0
    STATUSES[status] = STATUSES.get(status, 0) + 1
    if response is not None:
        _bare(response)


class SignedIn(FastHttpUser):
    """One member of staff, signed in once through the pages, who has found their cases
    (on their case list and "shared with my agency"). locust's FastHttpUser: its client
    takes a fraction of the CPU of the requests-based one, and locust shares the machine's
    cores with the hub and PostgreSQL."""

    abstract = True
    # No think time: each user has one request in flight all the time, so 16 users are
    # 16 concurrent requests (a think time would cap the run's rate, whatever the hub).
    wait_time = constant(0)

    def on_start(self) -> None:
        try:
            self._sign_in_and_find_cases()
        finally:
            _everyone_settled(self.environment)

    def _sign_in_and_find_cases(self) -> None:
        self.account = ACCOUNTS[next(_next_account) % len(ACCOUNTS)]
        page = self.client.get("/sign-in", name="sign-in form")
        response = self.client.post(
            "/sign-in",
            data={
                "email": self.account["email"],
                "password": self.account["password"],
                "csrf_token": _csrf(page.text),
            },
            name="sign in",
            allow_redirects=False,
        )
        if response.headers.get("Location", "").endswith("/sign-in/code"):
            self._second_factor()
        # Police and other partners' viewers have no case list of their own (403): they
        # work from what is shared with their agency.
        with self.client.get("/cases", name="case list", catch_response=True) as response:
            self.has_list = response.status_code == 200
            if response.status_code == 403 and self.account["role"] == "partner_viewer":
                response.success()
        listed = response.text if self.has_list else ""
        shared = self.client.get("/shared", name="shared with my agency").text
        # Each case page as the lists link it: a shared case with the share's purpose.
        self.cases = sorted(set(_CASE.findall(listed + shared)))
        if not self.cases:
            raise RuntimeError(f"{self.account['role']} sees no cases")
        self.own = sorted({int(n) for n in _OWN_CASE.findall(listed)})

    def _second_factor(self) -> None:
        """The authenticator code. A code is taken once: an account that signed in a
        moment ago (the baseline, then the mix) waits for its next code, as a person
        would."""
        totp = pyotp.TOTP(self.account["totp_secret"])
        for _ in range(2):
            form = self.client.get("/sign-in/code", name="sign-in form")
            answer = self.client.post(
                "/sign-in/code",
                data={"code": totp.now(), "csrf_token": _csrf(form.text)},
                name="sign in",
                allow_redirects=False,
            )
            if answer.status_code == 302:
                return
            time.sleep(totp.interval - time.time() % totp.interval + 0.5)
        raise RuntimeError(f"{self.account['role']} could not sign in with a code")


class StaffMember(SignedIn):
    """Staff at work: case pages (half the requests), their home page, case list, the
    cases shared with their agency, and now and then an incident added (then the case
    page the hub redirects to)."""

    @task(8)
    def case_page(self) -> None:
        self._case_page(random.choice(self.cases))

    def _case_page(self, path: str) -> None:
        response = self.client.get(path, name="case page")
        if response.status_code == 200:
            CASE_VIEWS.append(response.headers["X-Request-Id"])
            SERVED.append(time.time())

    @task(2)
    def home(self) -> None:
        self.client.get("/", name="home")

    @task(2)
    def case_list(self) -> None:
        if self.has_list:
            self.client.get("/cases", name="case list")

    @task(2)
    def shared(self) -> None:
        self.client.get("/shared", name="shared with my agency")

    @task(1)
    def add_incident(self) -> None:
        if not self.own or self.account["role"] != "case_officer":
            return
        case_id = random.choice(self.own)
        path = f"/cases/{case_id}/incidents/new"
        with self.client.get(path, name="incident form", catch_response=True) as form:
            if form.status_code == 403:  # a closed or locked case: no incidents to add
                form.success()
                self.own.remove(case_id)
                return
        if form.status_code != 200:
            return
        when = datetime.now(UTC) - timedelta(hours=1)
        saved = self.client.post(
            path,
            data={
                "csrf_token": _csrf(form.text),
                "occurred_at-day": str(when.day),
                "occurred_at-month": str(when.month),
                "occurred_at-year": str(when.year),
                "occurred_at-hour": str(when.hour),
                "occurred_at-minute": str(when.minute),
                "description": "Loud music from the flat above until late (load test)",
                "place": "Stairwell",
                "reported_by": "",
                "received_by": str(self.account["agency_id"]),
            },
            name="incident added",
            allow_redirects=False,
        )
        # Acknowledged: the hub answered its redirect to the case, having committed; the
        # officer then sees the case page, as a browser would.
        if saved.status_code == 302 and "X-Request-Id" in saved.headers:
            ACKNOWLEDGED.append(saved.headers["X-Request-Id"])
            self._case_page(f"/cases/{case_id}")


class AccountPageOnly(SignedIn):
    """The baseline: the same users, each asking only for its "Your account" page, the
    cheapest page a signed-in user gets (the session found, the layout rendered, two
    statements, nothing audited). What the machine serves of it is the most it could
    serve of any signed-in page; ``run.py`` runs it before the mix and compares."""

    @task
    def account_page(self) -> None:
        self.client.get("/account", name="your account (baseline)")


@events.test_stop.add_listener
def _write_request_ids(**_: object) -> None:
    Path(os.environ["LOAD_REQUEST_IDS"]).write_text("\n".join(CASE_VIEWS))
    if os.environ.get("LOAD_OUTCOMES"):
        outcomes = {
            "acknowledged": ACKNOWLEDGED,
            "served": SERVED,
            "bare": BARE,
            "statuses": STATUSES,
        }
        Path(os.environ["LOAD_OUTCOMES"]).write_text(json.dumps(outcomes))
