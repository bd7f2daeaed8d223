import io

import pytest

from minigrad.utils.progress import Progress, format_time, progress


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


def test_format_time():
    assert format_time(0) == "00:00"
    assert format_time(75.3) == "01:15"
    assert format_time(3725) == "1:02:05"
    assert format_time(None) == "?"
    assert format_time(float("nan")) == "?"
    assert format_time(float("inf")) == "?"


def test_quiet_when_not_a_tty_by_default():
    out = io.StringIO()  # isatty() is False
    items = list(progress(range(5), file=out))
    assert items == [0, 1, 2, 3, 4]
    assert out.getvalue() == ""


def test_disable_true_silences_a_tty():
    out = FakeTTY()
    assert list(progress(range(3), file=out, disable=True)) == [0, 1, 2]
    assert out.getvalue() == ""


def test_forced_on_off_a_tty_prints_whole_lines():
    out = io.StringIO()
    bar = progress(range(4), desc="train", file=out, disable=False)
    for _ in bar:
        bar.set_postfix(loss=0.123456)
    text = out.getvalue()
    assert "\r" not in text
    last = text.strip().splitlines()[-1]
    assert last.startswith("train: 100%|")
    assert "4/4" in last
    assert "loss=0.1235" in last
    assert "it/s" in last


def test_tty_redraws_in_place_and_ends_with_newline():
    out = FakeTTY()
    bar = progress(range(3), desc="d", file=out, mininterval=0)
    for i in bar:
        bar.set_postfix(step=i)
    text = out.getvalue()
    assert text.startswith("\r")
    assert text.endswith("\n")
    assert text.count("\n") == 1
    assert "3/3" in text.rsplit("\r", 1)[-1]
    assert "step=2" in text


def test_without_total_shows_a_count():
    out = io.StringIO()
    list(progress(iter(range(7)), file=out, disable=False))
    last = out.getvalue().strip().splitlines()[-1]
    assert last.startswith("7it [")
    assert "%" not in last


def test_total_from_len_and_explicit_total():
    assert progress(range(9)).total == 9
    assert progress(iter(range(9)), total=4).total == 4
    assert progress(iter(range(9))).total is None
    assert len(progress(range(9))) == 9


def test_eta_and_percentage():
    bar = Progress(range(10), total=10, desc="x")
    bar.n = 5
    line = bar.format(elapsed=10.0)
    assert " 50%|" in line
    assert "5/10 [00:10<00:10, 0.50it/s]" not in line  # rate below 1 is shown as seconds per item
    assert "2.00s/it" in line
    assert "<00:10" in line


def test_manual_update_and_context_manager():
    out = io.StringIO()
    with progress(total=3, file=out, disable=False, mininterval=0) as bar:
        bar.update()
        bar.update(2)
    assert bar.n == 3
    assert "3/3" in out.getvalue().strip().splitlines()[-1]


def test_write_prints_even_when_disabled():
    out = io.StringIO()
    bar = progress(range(2), file=out)
    bar.write("hello")
    assert out.getvalue() == "hello\n"


def test_iterating_without_an_iterable_is_an_error():
    with pytest.raises(TypeError, match="update"):
        list(progress(total=3))


def test_break_out_of_the_loop_closes_on_exhaustion_or_gc():
    out = io.StringIO()
    bar = progress(range(100), file=out, disable=False)
    it = iter(bar)
    next(it)
    it.close()  # what happens when a for loop is left with break and the generator is dropped
    lines = out.getvalue().splitlines()
    assert out.getvalue().endswith("\n")
    assert "/100" in lines[-1]
    assert len(lines) == len(set(lines))  # off a terminal, an unchanged line is not printed twice
