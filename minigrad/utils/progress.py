"""A tiny, dependency-free progress bar (a small cousin of ``tqdm``).

    from minigrad.utils.progress import progress

    bar = progress(loader, desc="epoch 1")
    for x, y in bar:
        loss = ...
        bar.set_postfix(loss=loss.item())

prints, on standard error and redrawn in place::

    epoch 1:  42%|########              | 197/469 [00:03<00:04, 61.2it/s, loss=0.4312]

It stays silent when standard error is not a terminal (CI logs, pytest, a pipe) unless asked with
``disable=False``; then it prints whole lines, at most one a second, instead of redrawing one line.
"""

import math
import shutil
import sys
import time

__all__ = ["Progress", "format_time", "progress"]


def format_time(seconds):
    """``75.3 -> '01:15'``, ``3725 -> '1:02:05'``; '?' for an unknown time."""
    if seconds is None or not math.isfinite(seconds):
        return "?"
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours:d}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"


def _format_value(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _is_tty(stream):
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class Progress:
    """Wraps an iterable and reports how far it has got. Build it with :func:`progress`.

    Methods: ``set_postfix(**values)`` (shown after the rate, e.g. the loss), ``set_description(text)``,
    ``update(n=1)`` (for manual use, with ``iterable=None``), ``write(text)`` (print a line without
    breaking the bar), ``close()``. It is also a context manager.
    """

    def __init__(self, iterable=None, total=None, desc="", disable=None, file=None, mininterval=0.1, unit="it"):
        self.iterable = iterable
        if total is None and iterable is not None:
            try:
                total = len(iterable)
            except (TypeError, AttributeError):
                total = None
        self.total = total
        self.desc = desc
        self.file = file if file is not None else sys.stderr
        self.tty = _is_tty(self.file)
        # disable=None: automatic (only on a terminal); True: never; False: always.
        self.disable = (not self.tty) if disable is None else bool(disable)
        # Off a terminal every redraw is a new line, so draw far less often.
        self.mininterval = mininterval if self.tty else max(mininterval, 1.0)
        self.unit = unit
        self.n = 0
        self.postfix = {}
        self.start = time.perf_counter()
        self._last_draw = None
        self._last_len = 0
        self._last_line = None
        self._closed = False

    # -- the numbers --------------------------------------------------------------------------------------
    @property
    def elapsed(self):
        return time.perf_counter() - self.start

    def format(self, elapsed=None):
        """The status line (without the carriage return)."""
        elapsed = self.elapsed if elapsed is None else elapsed
        rate = self.n / elapsed if elapsed > 0 and self.n > 0 else None
        rate_text = (
            "?" if rate is None else (f"{rate:.1f}{self.unit}/s" if rate >= 1 else f"{1 / rate:.2f}s/{self.unit}")
        )
        post = ", ".join(f"{k}={_format_value(v)}" for k, v in self.postfix.items())
        tail = f"{rate_text}, {post}" if post else rate_text
        prefix = f"{self.desc}: " if self.desc else ""
        if self.total is None:
            return f"{prefix}{self.n}{self.unit} [{format_time(elapsed)}, {tail}]"
        eta = (self.total - self.n) / rate if rate else None
        frac = min(1.0, self.n / self.total) if self.total else 1.0
        left = f"{prefix}{frac * 100:3.0f}%|"
        right = f"| {self.n}/{self.total} [{format_time(elapsed)}<{format_time(eta)}, {tail}]"
        width = shutil.get_terminal_size((80, 24)).columns if self.tty else 80
        bar_width = max(10, min(40, width - len(left) - len(right) - 1))
        filled = int(frac * bar_width)
        return left + "#" * filled + " " * (bar_width - filled) + right

    # -- drawing ------------------------------------------------------------------------------------------
    def _draw(self, final=False):
        if self.disable:
            return
        line = self.format()
        if self.tty:
            pad = " " * max(0, self._last_len - len(line))
            self.file.write("\r" + line + pad + ("\n" if final else ""))
            self._last_len = len(line)
        elif line != self._last_line:  # off a terminal: a new line, unless nothing changed
            self.file.write(line + "\n")
        self._last_line = line
        self.file.flush()
        self._last_draw = time.perf_counter()

    def _maybe_draw(self):
        if self.disable:
            return
        now = time.perf_counter()
        if self._last_draw is None or now - self._last_draw >= self.mininterval:
            self._draw()

    # -- the public methods -------------------------------------------------------------------------------
    def update(self, n=1):
        self.n += n
        self._maybe_draw()

    def set_postfix(self, ordered_dict=None, refresh=False, **values):
        """Show ``key=value`` pairs after the rate (floats with 4 significant digits)."""
        self.postfix = dict(ordered_dict or {}, **values)
        if refresh:
            self._draw()

    def set_description(self, desc, refresh=False):
        self.desc = desc
        if refresh:
            self._draw()

    def write(self, text):
        """Print a line above the bar (the bar is redrawn after it); printed even when disabled."""
        if self.tty and not self.disable and self._last_len:
            self.file.write("\r" + " " * self._last_len + "\r")
        self.file.write(str(text) + "\n")
        self.file.flush()
        if self.tty and not self.disable and self._last_len:
            self._draw()

    def close(self):
        if self._closed:
            return
        self._closed = True
        self._draw(final=True)

    def __iter__(self):
        if self.iterable is None:
            raise TypeError("progress(None) has nothing to iterate over: call update() instead")
        self._draw()
        try:
            for item in self.iterable:
                yield item
                self.n += 1
                self._maybe_draw()
        finally:
            self.close()

    def __len__(self):
        if self.total is None:
            raise TypeError("this progress bar has no total")
        return self.total

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __repr__(self):
        return f"Progress({self.format()!r})"


def progress(iterable=None, total=None, desc="", disable=None, file=None, mininterval=0.1, unit="it"):
    """Wrap ``iterable`` in a progress bar printed to standard error (or ``file``).

    total: the number of items (default ``len(iterable)`` when it has one; otherwise no bar, only a count).
    desc: a label shown first. disable: ``None`` (default) shows the bar only when the stream is a
    terminal; ``True`` never; ``False`` always (off a terminal, one line at most every second).
    mininterval: the least time between two redraws, in seconds.
    Returns a :class:`Progress`; iterate over it, and call ``set_postfix(loss=...)`` to show numbers.
    """
    return Progress(iterable, total=total, desc=desc, disable=disable, file=file, mininterval=mininterval, unit=unit)
