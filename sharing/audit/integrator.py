"""An integrator of its own: a thread that adds the committed entries of the audit queue
to the log every few tenths of a second, so that the requests which queued them do not
each do it after their commit.

Each server process runs one (``hub serve``'s workers); on PostgreSQL the advisory lock of
``sharing.audit.log.integrate_committed`` lets one of them at a time be the one at work,
and it takes every entry committed so far, whichever process queued it, in batches. An
act still writes its entry in its own transaction (nothing read without its entry); only
the entry's sequence number and its place in the tree come a moment later than they would
after the commit.
"""

from __future__ import annotations

import threading

from sqlalchemy import Engine

from sharing.audit.log import integrate_or_leave_queued


class Integrator:
    """Adds committed queued entries to the log every ``every`` seconds, on a daemon
    thread, until stopped; ``stop`` adds whatever is still queued before it returns."""

    def __init__(self, engine: Engine, every: float) -> None:
        if every <= 0:
            raise ValueError("an integrator needs a positive interval")
        self.engine, self.every = engine, every
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="audit-integrator", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop looking, then add what is queued now (the process is about to end)."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(self.every * 10 + 30)
        self.once()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def once(self) -> int:
        """Add the queue's committed entries now; how many. A database that fails leaves
        them queued for the next look (``integrate_or_leave_queued``)."""
        return integrate_or_leave_queued(self.engine)

    def _run(self) -> None:
        while not self._stopping.wait(self.every):
            self.once()
