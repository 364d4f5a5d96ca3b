"""What the workflow does around its jobs inside the Snakemake process (the Snakefile's onstart,
onsuccess and onerror).

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


def settle_params_recording(workflow) -> bool:
    """Make Snakemake choose now how it records the jobs' params, and return whether it could.

    Snakemake records each job's params when the job finishes, with pandas if pandas can be
    imported (to hash data frames), and decides which once per run, the first time it needs to
    (``Persistence._serialize_param``, cached). While the jobs are planned, the Snakefile marks
    pandas absent, so a decision taken then records them without pandas; this asks for it
    before pandas is released at the start of the jobs, so that Snakemake never imports pandas
    (0.2-0.3 s in the scheduler, between the first job and the next) to record plain settings.
    Another Snakemake version may name things otherwise: then nothing is done (False), and at
    worst pandas is imported as before."""
    try:
        workflow.persistence._serialize_param
    except Exception:  # depends on Snakemake's internals
        return False
    return True
