"""A tiny progress indicator for the command line: a spinner with a counter on stderr.

It draws only when the stream is a terminal and the work lasts longer than ``delay``
seconds, so pipes, log files and quick runs see nothing; the line is erased when done.

>>> import io
>>> with Progress(total=2, stream=io.StringIO()) as p:  # not a terminal: silent
...     p.advance("model 1")
...     p.advance("model 2")
>>> p.done
2
"""

from __future__ import annotations

import sys
import threading
from types import TracebackType
from typing import TextIO

__all__ = ["Progress"]

_FRAMES = "|/-\\"


class Progress:
    """Spinner (and ``done/total`` counter) on a terminal stream; silent elsewhere.

    Parameters
    ----------
    total
        Number of steps, shown as ``[done/total]``; None for a plain spinner.
    label
        Text after the spinner.
    stream
        Where to draw (default ``sys.stderr``); nothing is drawn unless ``stream.isatty()``.
    delay
        Seconds to wait before drawing, so that quick work shows nothing.
    interval
        Seconds between frames.
    enabled
        Force off (``False``) regardless of the stream.
    """

    def __init__(
        self,
        total: int | None = None,
        label: str = "",
        *,
        stream: TextIO | None = None,
        delay: float = 0.5,
        interval: float = 0.1,
        enabled: bool = True,
    ) -> None:
        if stream is None:
            stream = sys.stderr  # looked up now, so a swapped sys.stderr is honoured
        self.total = total
        self.label = label
        self.done = 0
        self._stream = stream
        self._delay = delay
        self._interval = interval
        self._active = enabled and _isatty(stream)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._width = 0

    @property
    def active(self) -> bool:
        """Whether anything is drawn at all (the stream is a terminal)."""
        return self._active

    def advance(self, label: str | None = None) -> None:
        """Count one finished step; optionally change the label."""
        with self._lock:
            self.done += 1
            if label is not None:
                self.label = label

    def set_label(self, label: str) -> None:
        """Change the text shown next to the spinner."""
        with self._lock:
            self.label = label

    def __enter__(self) -> Progress:
        if self._active:
            self._thread = threading.Thread(target=self._run, name="vcereg-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop drawing and erase the line."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
            if self._width:  # something was drawn: blank it
                self._write("\r" + " " * self._width + "\r")
                self._width = 0

    def _line(self, frame: int) -> str:
        with self._lock:
            count = f" [{self.done}/{self.total}]" if self.total is not None else ""
            label = f" {self.label}" if self.label else ""
        return f"{_FRAMES[frame % len(_FRAMES)]}{count}{label}"

    def _run(self) -> None:
        if self._stop.wait(self._delay):
            return
        frame = 0
        while not self._stop.is_set():
            text = self._line(frame)
            pad = max(0, self._width - len(text))
            self._width = len(text)
            self._write("\r" + text + " " * pad)
            frame += 1
            self._stop.wait(self._interval)

    def _write(self, text: str) -> None:
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):  # closed or broken stream: stop drawing quietly
            self._stop.set()


def _isatty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
