"""Replay the console transcripts of a Markdown document: its commands run, their output compared.

``docs/first-hour.md`` is written as a newcomer sees their terminal; ``tests/test_first_hour.py``
replays it so that the document cannot drift from what qabot prints. The conventions:

* A fenced ``console`` block holds ``$ command`` lines, each followed by what the terminal
  shows, up to the next ``$`` line or the end of the block.
* Inside a chat (a command whose output holds lines starting with the chat's prompt), the text
  after the prompt is what the reader types; the terminal echoes it, so it is part of the
  output too. The chat runs on a pseudo-terminal, as it does for a person.
* ``<!-- file: PATH -->`` right before a fenced block: the block's text is saved as ``PATH``.
* Times of day (``2026-11-30 06:47:42 UTC``) may differ between the document and the run.
* ``$ git clone …`` and ``$ cd …`` say where the reader starts; the replay starts in a copy of
  the project instead, so they are not run.

Commands run in bash, as the reader's shell would, in a folder laid out like the clone: the
project's files and a ``.venv`` that is the environment running the tests (so ``make run``
finds it set up and runs ``.venv/bin/python bot.py`` for real). Escape sequences (colours,
line editing) are removed from what the terminal shows before comparing.
"""

from __future__ import annotations

import os
import re
import select
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

#: ESC [ … final byte (colours, bracketed paste, cursor moves) and ESC ] … BEL (titles).
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[=>]")
_FENCE = re.compile(r"^```(\w*)\s*$")
_FILE_MARK = re.compile(r"^<!--\s*file:\s*(\S+)\s*-->\s*$")
#: How long one command may take before the replay gives up on it.
TIMEOUT = 120.0


@dataclass(frozen=True)
class Command:
    """One ``$`` line of a console block and the terminal text documented after it."""

    line: str
    expected: str
    #: Document line (0-based) of the first output line, for rewriting.
    output_start: int
    output_end: int


@dataclass(frozen=True)
class SavedFile:
    """A fenced block the reader saves as a file."""

    path: str
    text: str


Step = Command | SavedFile


def parse(markdown: str) -> list[Step]:
    """The document's steps, in order."""
    lines = markdown.splitlines()
    steps: list[Step] = []
    i = 0
    while i < len(lines):
        mark = _FILE_MARK.match(lines[i])
        fence = _FENCE.match(lines[i])
        if mark and i + 1 < len(lines) and _FENCE.match(lines[i + 1]):
            end = _closing_fence(lines, i + 2)
            steps.append(SavedFile(mark.group(1), "\n".join(lines[i + 2 : end]) + "\n"))
            i = end + 1
        elif fence and fence.group(1) == "console":
            end = _closing_fence(lines, i + 1)
            steps.extend(_commands(lines, i + 1, end))
            i = end + 1
        elif fence:
            i = _closing_fence(lines, i + 1) + 1
        else:
            i += 1
    return steps


def _closing_fence(lines: Sequence[str], start: int) -> int:
    for j in range(start, len(lines)):
        if lines[j].startswith("```"):
            return j
    raise ValueError(f"unclosed code block from line {start}")


def _commands(lines: Sequence[str], start: int, end: int) -> list[Command]:
    starts = [j for j in range(start, end) if lines[j].startswith("$ ")]
    commands = []
    for n, j in enumerate(starts):
        stop = starts[n + 1] if n + 1 < len(starts) else end
        output = "\n".join(lines[j + 1 : stop])
        commands.append(Command(lines[j][2:], output, j + 1, stop))
    return commands


#: What differs between two honest runs: the clock.
_CLOCK = re.compile(r"\b\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)?(?: UTC)?")


def comparable(text: str) -> str:
    """``text`` with times of day masked, to compare a run with the document."""
    return _CLOCK.sub("<time>", text.strip("\n"))


def normalise(text: str, workdir: Path | None = None) -> str:
    """Terminal text as a document shows it: no escapes or CRs, no trailing blanks."""
    text = _ESCAPES.sub("", text).replace("\r\n", "\n").replace("\r", "")
    if workdir is not None:
        text = text.replace(str(workdir) + os.sep, "").replace(str(workdir), ".")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


class Replay:
    """Runs a document's steps in ``workdir``, a copy of the project."""

    def __init__(self, workdir: Path, env: Mapping[str, str], prompt: str) -> None:
        self.workdir = workdir
        self.env = dict(env)
        self.prompt = prompt

    def run(self, step: Step) -> str | None:
        """Save the file or run the command; a command's terminal text, normalised."""
        if isinstance(step, SavedFile):
            target = self.workdir / step.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(step.text, encoding="utf-8")
            return None
        if step.line.startswith(("git clone", "cd ")):
            return None
        argv = ["bash", "-c", step.line]
        typed = [
            line[len(self.prompt) :]
            for line in step.expected.splitlines()
            if line.startswith(self.prompt)
        ]
        if typed:
            shown = self._chat(argv, typed)
        else:
            done = subprocess.run(
                argv,
                cwd=self.workdir,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=TIMEOUT,
            )
            shown = done.stdout
        return normalise(shown, self.workdir)

    def _chat(self, argv: list[str], typed: list[str]) -> str:
        """Run ``argv`` on a pseudo-terminal, typing each line when the prompt shows."""
        import pty

        master, slave = pty.openpty()
        process = subprocess.Popen(
            argv,
            cwd=self.workdir,
            env=self.env,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
        )
        os.close(slave)
        shown = b""
        try:
            for line in typed:
                # A prompt shown after what was typed last: the program waits for a line.
                shown = _read_until(master, shown, self.prompt, after=len(shown))
                os.write(master, line.encode() + b"\n")
            shown = _read_until(master, shown, None)
            process.wait(timeout=TIMEOUT)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            os.close(master)
        return shown.decode("utf-8", "replace")


def _read_until(fd: int, shown: bytes, prompt: str | None, after: int = 0) -> bytes:
    """Read the terminal until the text past byte ``after`` ends with ``prompt``.

    With ``prompt`` None, read until the terminal closes.
    """
    deadline = time.monotonic() + TIMEOUT
    while True:
        if prompt is not None:
            visible = _ESCAPES.sub("", shown[after:].decode("utf-8", "replace")).replace("\r", "")
            if visible.endswith(prompt):
                return shown
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"no {prompt!r} after: {shown.decode('utf-8', 'replace')[-500:]}")
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: every holder of the terminal's other end has closed it
            chunk = b""
        if not chunk:
            if prompt is None:
                return shown
            raise EOFError(f"closed before {prompt!r}: {shown.decode('utf-8', 'replace')[-500:]}")
        shown += chunk


def rewrite(markdown: str, outputs: Mapping[int, str]) -> str:
    """``markdown`` with the outputs of its commands (by ``output_start``) replaced."""
    lines = markdown.splitlines()
    commands = [step for step in parse(markdown) if isinstance(step, Command)]
    for command in sorted(commands, key=lambda c: c.output_start, reverse=True):
        if command.output_start in outputs:
            new = outputs[command.output_start].split("\n") if outputs[command.output_start] else []
            lines[command.output_start : command.output_end] = new
    return "\n".join(lines) + "\n"
