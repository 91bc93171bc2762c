"""vcereg.progress: silent off a terminal, a self-erasing spinner on one."""

from __future__ import annotations

import io
import threading
import time

from vcereg.progress import Progress


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_silent_when_not_a_terminal() -> None:
    stream = io.StringIO()
    with Progress(total=3, stream=stream, delay=0.0, interval=0.001) as p:
        time.sleep(0.05)
        p.advance()
    assert stream.getvalue() == ""
    assert not p.active and p.done == 1


def test_spinner_on_a_terminal_counts_and_erases_itself() -> None:
    stream = FakeTerminal()
    with Progress(total=2, label="fitting", stream=stream, delay=0.0, interval=0.005) as p:
        assert p.active
        time.sleep(0.05)
        p.advance()
        time.sleep(0.05)
    text = stream.getvalue()
    assert "[0/2] fitting" in text and "[1/2] fitting" in text
    last = text.rsplit("\r", 2)
    assert last[-1] == "" and last[-2].strip() == ""  # the line is blanked at the end


def test_quick_work_draws_nothing_and_disabled_draws_nothing() -> None:
    stream = FakeTerminal()
    with Progress(stream=stream, delay=5.0):
        pass
    assert stream.getvalue() == ""
    with Progress(stream=stream, delay=0.0, enabled=False):
        time.sleep(0.02)
    assert stream.getvalue() == ""


def test_broken_stream_stops_quietly() -> None:
    class Broken(FakeTerminal):
        writes = 0

        def write(self, text: str) -> int:
            self.writes += 1
            raise OSError("gone")

    stream = Broken()
    with Progress(stream=stream, delay=0.0, interval=0.001) as p:  # no exception escapes
        assert p.active
        time.sleep(0.05)  # about 50 frames if it kept drawing
        p.advance()
    # the first failed frame stops the spinner; closing tries to erase the line once
    assert 1 <= stream.writes <= 2
    assert p.done == 1
    assert not any(t.name == "vcereg-progress" for t in threading.enumerate())
