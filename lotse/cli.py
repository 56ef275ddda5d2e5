"""The ``lotse`` command: run, train, chat; knowledge look-ups (match, authority, centres, bench).

Each subcommand stores its handler as ``func``, which gets the parsed arguments and returns the exit
code. The knowledge subcommands register themselves (``lotse.knowledge.cli.register``).
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
import uuid

import httpx

from lotse import __version__
from lotse.config import get_settings


def _run(args: argparse.Namespace) -> int:
    """Train if needed, start the three processes, stop them on Ctrl-C."""
    from lotse.processes import Processes, train

    settings = get_settings()
    if train(settings):
        print("Model trained.")
    processes = Processes(settings)

    def _stop(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    # Explicit handlers: a shell may start `lotse run` with SIGINT ignored (background jobs).
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        processes.start()
        print("Starting Rasa, the action server and the web app …", flush=True)
        processes.wait_until_healthy()
        print(f"Lotse is ready: open http://{settings.host}:{settings.port}/ (Ctrl-C stops it)")
        print(f"Chat API: POST http://{settings.host}:{settings.port}/api/chat", flush=True)
        while True:
            processes.check_alive()
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nStopping …")
        return 0
    except (RuntimeError, TimeoutError) as error:
        print(f"lotse run: {error}", file=sys.stderr)
        return 1
    finally:
        processes.stop()


SERVABLE_PARTS = ("web", "rasa", "actions")


def _serve(args: argparse.Namespace) -> int:
    """Replace this process with one part of Lotse, its environment derived from the settings."""
    from lotse.processes import serve

    serve(get_settings(), args.part, interface=args.interface)
    return 0  # not reached: serve() execs


def _train(args: argparse.Namespace) -> int:
    """Train the model when config, domain or data changed (or always with --force)."""
    from lotse.processes import train

    trained = train(get_settings(), force=args.force)
    print("Model trained." if trained else "Model is up to date.")
    return 0


def _chat(args: argparse.Namespace) -> int:
    """A conversation in the terminal, through the running web app's chat API."""
    session = args.session or f"cli-{uuid.uuid4().hex[:12]}"
    url = args.url.rstrip("/") + "/api/chat"
    buttons: list[dict] = []
    print("Type a message (a number picks a button; Ctrl-D ends).")
    while True:
        try:
            text = input("> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not text:
            continue
        if text.isdigit() and 0 < int(text) <= len(buttons):
            text = buttons[int(text) - 1]["payload"]
        try:
            response = httpx.post(url, json={"session_id": session, "text": text}, timeout=60)
        except httpx.HTTPError:
            print(
                f"lotse chat: no answer from {args.url}; is `lotse run` running?", file=sys.stderr
            )
            return 1
        body = response.json()
        if "messages" not in body:
            print(f"lotse chat: {body.get('detail')}", file=sys.stderr)
            continue
        buttons = []
        for message in body["messages"]:
            print(message["text"])
            for button in message.get("buttons", []):
                buttons.append(button)
                print(f"  [{len(buttons)}] {button['title']}")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    from lotse.bench import cli as bench_cli
    from lotse.knowledge import cli as knowledge_cli
    from lotse.telegram import cli as telegram_cli
    from lotse.workspace import cli as workspace_cli

    parser = argparse.ArgumentParser(
        prog="lotse",
        description="Lotse guides people with a foreign qualification towards its recognition "
        "in Germany (chat in de, en, ar, ru, pl).",
    )
    parser.add_argument("--version", action="version", version=f"lotse {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = subparsers.add_parser(
        "run", help="train if needed, then start Rasa, the action server and the web app"
    )
    run.set_defaults(func=_run)

    train = subparsers.add_parser("train", help="train the Rasa model if its inputs changed")
    train.add_argument("--force", action="store_true", help="train even if the model is current")
    train.set_defaults(func=_train)

    serve = subparsers.add_parser(
        "serve", help="run one part in the foreground (one container: web, rasa or actions)"
    )
    serve.add_argument("part", choices=SERVABLE_PARTS, help="which process")
    serve.add_argument(
        "--interface", default="127.0.0.1", help="address Rasa listens on (0.0.0.0 in containers)"
    )
    serve.set_defaults(func=_serve)

    chat = subparsers.add_parser("chat", help="talk to a running Lotse in the terminal")
    chat.add_argument(
        "--url", default="http://127.0.0.1:8000", help="the web app (default: %(default)s)"
    )
    chat.add_argument("--session", help="continue this session id instead of a new one")
    chat.set_defaults(func=_chat)

    knowledge_cli.register(subparsers)
    bench = subparsers.add_parser("bench", help="benchmarks that print numbers")
    targets = bench.add_subparsers(dest="target", metavar="TARGET", required=True)
    knowledge_cli.register_bench(targets)
    bench_cli.register(targets)
    telegram_cli.register(subparsers)
    workspace_cli.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `lotse` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
