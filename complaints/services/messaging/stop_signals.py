"""Stop signals wait while a message is being handed over (issue 17).

A process supervisor that stops the worker's whole process group (systemd's
KillMode=control-group, supervisord's stopasgroup, `kill -- -PGID`) sends SIGTERM or
SIGINT to the pool children as well as to the main process. billiard turns SIGTERM in
a child into SystemExit at once: an SMTP conversation cut between the end of DATA and
the server's `250` leaves a message the server accepted but we never recorded, and it
is sent a second time. Inside `deferred()` such a signal is only remembered; it is
raised again, with the handler that was in place, once the send and its record are
done. The main process meanwhile runs its warm shutdown, which waits for the task.

Only the main thread can install handlers (a prefork child runs its tasks there);
elsewhere, and for signals the process ignores, this does nothing.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)

DEFERRED = (signal.SIGTERM, signal.SIGINT)


@contextmanager
def deferred(signals: tuple[int, ...] = DEFERRED) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def remember(signum, _frame):
        if signum not in received:
            received.append(signum)
            log.warning("%s received while sending; stopping once the message is recorded", signal.Signals(signum).name)

    previous = {}
    for signum in signals:
        handler = signal.getsignal(signum)
        if handler is signal.SIG_IGN or handler is None:
            continue  # ignored anyway (SIGINT in a pool child), or not set from Python
        previous[signum] = handler
        signal.signal(signum, remember)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for signum in received:
            signal.raise_signal(signum)  # the handler that was in place now runs
