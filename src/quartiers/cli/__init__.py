"""The ``quartiers`` command line (Typer). Subcommands live in one module each."""

from __future__ import annotations

import signal
import sys

import typer

from quartiers.errors import QuartiersError

app = typer.Typer(
    name="quartiers",
    help="Géographie prioritaire de la politique de la ville : délimitation des QPV, "
    "éligibilité des adresses, registre des contrats de ville.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    # each module adds its commands to ``app``
    from quartiers.cli import (  # noqa: F401
        adresses,
        comparer,
        delimiter,
        donnees,
        parametres,
        verifier,
    )


def usage_message(error: Exception) -> str:
    """French text for click's usage errors (their own text is English)."""
    kind = type(error).__name__
    param = getattr(error, "param", None)
    name = getattr(error, "option_name", None) or (
        "/".join(getattr(param, "opts", []) or []) or getattr(param, "name", None)
    )
    if kind == "MissingParameter":
        return f"paramètre obligatoire manquant : {name}"
    if kind == "NoSuchOption":
        return f"option inconnue : {name}"
    if kind == "BadOptionUsage":
        return f"l'option {name} attend une valeur"
    if kind == "BadParameter":
        return f"valeur invalide pour {name} : {getattr(error, 'message', '')}"
    text = str(getattr(error, "message", "") or error)
    if text.startswith("No such command"):
        return "commande inconnue : " + text.split("'")[1] if "'" in text else text
    if text.startswith("Got unexpected extra argument"):
        return "argument en trop : " + text.split("(")[-1].rstrip(")")
    return f"utilisation incorrecte ({text})"


def _interrupted() -> None:
    typer.secho("Interrompu : aucun fichier n'a été écrit.", err=True)
    sys.exit(130)


def _stop(signum: int, frame: object) -> None:
    """First signal: ask the running loop to stop at its next safe point; second: now."""
    from quartiers.cli.progress import stop_requested

    if stop_requested.is_set():
        raise KeyboardInterrupt
    stop_requested.set()


def main() -> None:
    """Entry point: runs the app and turns user errors into French messages."""
    _register()
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None and signal.getsignal(sig) is not signal.SIG_IGN:  # nohup stays
            signal.signal(sig, _stop)
    # pyarrow swaps in its own SIGINT handler while it reads; a Ctrl-C landing in that window
    # could be taken by pyarrow and lost: our flag, checked between chunks, sees them all
    import pyarrow

    pyarrow.enable_signal_handlers(False)
    try:
        code = app(standalone_mode=False)  # returns typer.Exit's code instead of raising
    except QuartiersError as e:
        typer.secho(f"Erreur : {e.message_complet()}", fg=typer.colors.RED, err=True)
        sys.exit(e.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        _interrupted()
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except Exception as e:  # usage errors: click's exceptions (vendored by recent typer)
        exit_code = getattr(e, "exit_code", None)
        if isinstance(exit_code, int) and hasattr(e, "format_message"):
            typer.secho(f"Erreur : {usage_message(e)}", fg=typer.colors.RED, err=True)
            typer.secho("Aide : quartiers --help, ou quartiers COMMANDE --help", err=True)
            sys.exit(exit_code)
        raise
    if code == 130:  # typer returns KeyboardInterrupt as this code
        _interrupted()
    if isinstance(code, int) and code:
        sys.exit(code)
