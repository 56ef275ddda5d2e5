"""``lotse user``: workspace accounts from the command line.

Usage:
    lotse user add --admin admin@example.org --name "Ada Admin"       # the first admin
    lotse user add berater@example.org --name "Ben Berater" --centre be_iq_club_dialog
    lotse user list
The password is asked twice at the prompt, or read from the first line of stdin with
``--password-stdin`` (for scripts). Exit codes: 0 done, 2 bad input (message on stderr).
"""

from __future__ import annotations

import argparse
import getpass
import sys

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from lotse.config import get_settings
from lotse.knowledge.loader import load_knowledge
from lotse.store.db import get_engine
from lotse.store.workspace import Membership, User
from lotse.workspace import auth

EXIT_OK = 0
EXIT_BAD_INPUT = 2


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``lotse user add | list`` to the CLI."""
    user = subparsers.add_parser("user", help="workspace accounts (counsellors and admins)")
    actions = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="create an account")
    add.add_argument("email", help="e-mail address (the login)")
    add.add_argument("--name", required=True, help="display name")
    add.add_argument("--admin", action="store_true", help="an admin (manages accounts, sees all)")
    add.add_argument(
        "--centre",
        action="append",
        default=[],
        metavar="ID",
        help="a centre of knowledge/centres.yaml the counsellor belongs to (repeatable)",
    )
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.set_defaults(func=_add)

    listing = actions.add_parser("list", help="list the accounts")
    listing.set_defaults(func=_list)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat password: ") != first:
        raise auth.AccountError("the two passwords differ")
    return first


def _session() -> sessionmaker:
    return sessionmaker(bind=get_engine(get_settings().database_url), future=True)


def _add(args: argparse.Namespace) -> int:
    """Create the account; refuse unknown centres and a counsellor without any."""
    known = {centre.id for centre in load_knowledge().centres}
    unknown = [centre for centre in args.centre if centre not in known]
    if unknown:
        print(f"lotse user add: unknown centre: {', '.join(unknown)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if not args.admin and not args.centre:
        print("lotse user add: a counsellor needs --centre ID (or use --admin)", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        password = _read_password(args.password_stdin)
        with _session()() as db:
            user = auth.create_user(
                db, args.email, args.name, password, admin=args.admin, centres=args.centre
            )
            db.commit()
            role = "admin" if user.is_admin else "counsellor"
            print(f"Created {role} {user.email} (id {user.id}).")
    except auth.AccountError as problem:
        print(f"lotse user add: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (EOFError, KeyboardInterrupt):
        print("\nlotse user add: cancelled", file=sys.stderr)
        return EXIT_BAD_INPUT
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    """One line per account: id, e-mail, role, active, centres."""
    with _session()() as db:
        centres: dict[int, list[str]] = {}
        for user_id, centre_id in db.execute(select(Membership.user_id, Membership.centre_id)):
            centres.setdefault(user_id, []).append(centre_id)
        for user in db.scalars(select(User).order_by(User.id)):
            print(
                "\t".join(
                    [
                        str(user.id),
                        user.email,
                        user.name,
                        "admin" if user.is_admin else "counsellor",
                        "active" if user.active else "inactive",
                        ",".join(sorted(centres.get(user.id, []))) or "-",
                    ]
                )
            )
    return EXIT_OK
