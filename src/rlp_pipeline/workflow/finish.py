"""What the workflow does once its last job has finished (the Snakefile's onsuccess/onerror).

Snakemake limits how many jobs it starts per second (``--max-jobs-per-timespan``, 100/1s by
default): after each scheduling pass it starts a ``threading.Timer`` that wakes the scheduler a
second later. That timer is not a daemon thread, so when the last job has finished the Python
process still waits for it before exiting: up to a second after "Complete log" on every run that
ran a job (measured 1.0-1.3 s after editing one coding, benchmarks/speed.py). Once the workflow
has finished, no scheduler waits for that wake-up any more, so the timers are cancelled and the
process exits at once. Standard library only: it runs inside the Snakemake process.
"""

from __future__ import annotations

import threading


def cancel_idle_timers() -> int:
    """Cancel every pending ``threading.Timer`` of this process and return how many there were.

    Only for the end of a Snakemake run: the scheduler's rate-limit timers are then the only
    ones, and each would only release the semaphore of a scheduling loop that has returned."""
    timers = [thread for thread in threading.enumerate() if isinstance(thread, threading.Timer) and thread.is_alive()]
    for timer in timers:
        timer.cancel()
    return len(timers)
