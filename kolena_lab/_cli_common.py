"""What the ``kolena-lab`` command modules share: exit codes, output, error handling and common options."""
import json
import sys
from contextlib import contextmanager
from typing import Any, Iterator, List, Sequence

import click

from kolena_lab.errors import (
    IncorrectUsageError,
    InputValidationError,
    KolenaError,
    NameConflictError,
    NotFoundError,
    StoreError,
    WorkflowMismatchError,
)

NOT_FOUND = 1
USAGE = 2
STORE = 3
OTHER = 4
_BAD_INPUT = (InputValidationError, NameConflictError, IncorrectUsageError, WorkflowMismatchError, ValueError)


def exit_code(error: KolenaError) -> int:
    """The exit code of an error's kind: not found 1, bad input 2, store 3, anything else 4."""
    if isinstance(error, NotFoundError):
        return NOT_FOUND
    if isinstance(error, _BAD_INPUT):
        return USAGE
    return STORE if isinstance(error, StoreError) else OTHER


def emit(rows: List[dict], as_json: bool, columns: Sequence[str]) -> None:
    if as_json:
        click.echo(json.dumps(rows, indent=2, default=str))
        return
    if not rows:
        click.echo("(none)")
        return
    widths = [max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns]
    click.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    for row in rows:
        click.echo("  ".join(str(row.get(c, "")).ljust(w) for c, w in zip(columns, widths)))


@contextmanager
def errors() -> Iterator[None]:
    """Not found: a message and exit code 1; bad input: a usage error (exit code 2)."""
    try:
        yield
    except NotFoundError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(NOT_FOUND)
    except _BAD_INPUT as e:
        raise click.UsageError(str(e)) from None


class Main(click.Group):
    """The command group whose errors reach the user as one line (``error: ...``) and the exit code of their kind:
    a ``KolenaError`` by ``exit_code``, anything else 4. With ``--debug`` (a parameter of the group) the traceback is
    shown instead. A command running a user's script (``script_commands``) shows the script's own errors as Python
    does."""

    script_commands = frozenset({"run-kolena"})

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, KeyboardInterrupt):
            raise
        except Exception as e:
            if ctx.params.get("debug") or (ctx.invoked_subcommand in self.script_commands
                                           and not isinstance(e, KolenaError)):
                raise
            if isinstance(e, KolenaError):
                click.echo(f"error: {_one_line(str(e))}", err=True)
                ctx.exit(exit_code(e))
            click.echo(f"error: unexpected {type(e).__name__}: {_one_line(str(e))} (run with --debug for the "
                       "traceback)", err=True)
            ctx.exit(OTHER)


def _one_line(text: str) -> str:
    return " ".join(text.split()) or "(no message)"


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
workflow_option = click.option("--workflow", "-w", default=None, help="Only this workflow's objects.")
