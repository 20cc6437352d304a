"""A job's output is redacted as it is read, then cut to its last ``MAX_OUTPUT_BYTES``: no part of the secret is kept,
wherever it falls (across two reads, across the cut, written in pieces between reads)."""
import os
import sys
import tempfile
from typing import List

import pytest

from kolena_lab.automation import runners
from kolena_lab.automation.runners import MAX_OUTPUT_BYTES, _READ_BYTES, _RedactedTail
from kolena_lab.workflow._secrets import REDACTED

SECRET = "s3cr3t-Tok\u00e9n-9f2b"  # non-ASCII: redaction works on its UTF-8 bytes
RAW = SECRET.encode()


def _pieces_of_secret() -> List[str]:
    """Every piece of the secret of 4 characters or more: none may be left in kept output."""
    return [SECRET[i:j] for i in range(len(SECRET)) for j in range(i + 4, len(SECRET) + 1)]


def _assert_clean(kept: str) -> None:
    leaked = [piece for piece in _pieces_of_secret() if piece in kept]
    assert not leaked, leaked[:3]


def _tail_of(writes: List[bytes], reads_between: bool = False) -> str:
    with tempfile.TemporaryFile() as file:
        tail = _RedactedTail(file, SECRET)
        for data in writes:
            file.seek(0, os.SEEK_END)
            file.write(data)
            file.flush()
            if reads_between:
                _assert_clean(tail.read())
        return tail.read(final=True)


@pytest.mark.parametrize("start", [_READ_BYTES - k for k in range(1, len(RAW))] + [_READ_BYTES, 2 * _READ_BYTES - 5])
def test_secret_across_a_read_boundary(start):
    kept = _tail_of([b"x" * start + RAW + b"y" * 100])
    _assert_clean(kept)
    assert kept == "x" * start + REDACTED + "y" * 100


@pytest.mark.parametrize("into_kept", [1, 5, len(RAW) - 1])
def test_secret_across_the_cut(into_kept):
    """The secret straddles the point where the kept output starts: its tail must not survive."""
    after = MAX_OUTPUT_BYTES - into_kept
    kept = _tail_of([b"a" * 1_500_000 + RAW + b"b" * after])
    _assert_clean(kept)
    assert kept.endswith("b" * after) and kept.startswith("[... ")


def test_secret_across_the_cut_after_redaction():
    """What is cut is the redacted stream: the marker is kept whole when it fits, and the count is of redacted bytes."""
    kept = _tail_of([b"a" * 2_000_000 + RAW + b"b" * (MAX_OUTPUT_BYTES - len(REDACTED))])
    assert kept.split("\n", 1)[1] == REDACTED + "b" * (MAX_OUTPUT_BYTES - len(REDACTED))
    assert kept.startswith(f"[... {2_000_000} bytes left out ...]")


@pytest.mark.parametrize("split", [1, len(RAW) // 2, len(RAW) - 1])
def test_secret_written_in_two_pieces_between_reads(split):
    kept = _tail_of([b"start " + RAW[:split], RAW[split:] + b" end"], reads_between=True)
    assert kept == f"start {REDACTED} end"


@pytest.mark.parametrize("text", [SECRET, SECRET * 3, SECRET + SECRET[:-1], "x" + SECRET + "\n" + SECRET + "y"])
def test_repeated_and_partial_secrets(text):
    kept = _tail_of([text.encode()])
    assert kept == text.replace(SECRET, REDACTED)


def test_without_a_secret_the_tail_is_unchanged():
    with tempfile.TemporaryFile() as file:
        file.write(b"z" * (MAX_OUTPUT_BYTES + 10))
        assert _RedactedTail(file, None).read(final=True) == "[... 10 bytes left out ...]\n" + "z" * MAX_OUTPUT_BYTES


def test_supervised_process_output_is_redacted_before_the_cut(tmp_path):
    """A real process writes the secret across the cut, in small writes, on both streams."""
    code = ("import sys, os\n"
            "s = os.environ['KOLENA_EVALUATOR_SECRET'].encode()\n"
            "for stream in (sys.stdout.buffer, sys.stderr.buffer):\n"
            "    stream.write(b'a' * 1_200_000)\n"
            "    for i in range(len(s)):\n"
            "        stream.write(s[i:i + 1]); stream.flush()\n"
            f"    stream.write(b'b' * {MAX_OUTPUT_BYTES - 3}); stream.flush()\n")
    env = dict(os.environ, KOLENA_EVALUATOR_SECRET=SECRET)
    outcome = runners.supervise(runners.Launch([sys.executable, "-c", code], env, str(tmp_path)), timeout=60,
                                on_start=lambda pid: None, tick=lambda out, err: None, tick_interval=0.01,
                                secret=SECRET)
    assert outcome.status == "succeeded"
    for kept in (outcome.stdout, outcome.stderr):
        _assert_clean(kept)
        assert kept.endswith("b" * (MAX_OUTPUT_BYTES - 3))

