"""A progress bar for ``check`` on large inputs, on a terminal only.

Nothing is shown when standard error is not a terminal (CI logs, pipes, tests)
or when the input is small; the bar counts bytes read across all transcripts.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

THRESHOLD = 32 * 1024 * 1024  # bytes; smaller inputs finish before a bar helps


@contextmanager
def byte_progress(total: int) -> Iterator[Callable[[int], None] | None]:
    """Yield a callback advancing a bar by bytes, or None when no bar is wanted."""
    if total < THRESHOLD or not sys.stderr.isatty():
        yield None
        return
    columns = (
        TextColumn("checking"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, transient=True, console=None) as progress:
        task = progress.add_task("check", total=total)
        yield lambda count: progress.advance(task, count)
