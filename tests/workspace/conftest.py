"""The workspace app on a fresh SQLite database, with accounts, cases and logged-in clients.

Fixtures for every workspace test:
- `settings`: a temporary var_dir and database, no rate limits;
- `rasa`: a `FakeRasa` (app.state.rasa_client) whose `transcripts` the test fills in;
- `app`, `client` (a `WorkspaceClient`, not logged in), `new_client()` for more users;
- `make_user(email, password, centres, admin=False)`, `login(client, email, password)` (returns
  the client with `client.csrf_token` set; `client.submit(url, data)` posts a form with it),
  `make_case(**fields)` (a `Handoff`, detached), `db()` (a session on the test database).
The lifespan is not run: the app gets the fake Rasa client and no Telegram relay directly.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from lotse.config import Settings
from lotse.store.db import get_engine, utcnow
from lotse.store.handoffs import Handoff, new_ref
from lotse.store.workspace import User
from lotse.web.deps import get_rasa_client
from lotse.web.main import create_app
from lotse.web.rasa_client import RasaReply
from lotse.workspace import auth

#: Real centre ids of knowledge/centres.yaml (two recognition centres, one Faire Integration).
CENTRE_A = "be_iq_club_dialog"
CENTRE_B = "by_iq_muenchen"
CENTRE_FI = "be_faire_integration"
PASSWORD = "richtig-geheim-42"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


class FakeRasa:
    """Stands in for RasaClient: `transcripts[sender_id]` is what `transcript()` returns
    (None: Rasa unreachable, as the real client says); `pause`/`resume` keep `paused`; `say`
    appends to the transcript; every call is recorded in `calls`."""

    def __init__(self) -> None:
        self.transcripts: dict[str, list[dict[str, Any]] | None] = {}
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.reply = RasaReply(language="de", messages=[{"text": "Hallo!"}])
        self.paused: set[str] = set()

    async def transcript(self, sender_id: str) -> list[dict[str, Any]] | None:
        self.calls.append(("transcript", (sender_id,)))
        return self.transcripts.get(sender_id)

    async def pause(self, sender_id: str) -> bool:
        """Pause the bot; True if it was running (as the channel route answers)."""
        self.calls.append(("pause", (sender_id,)))
        changed = sender_id not in self.paused
        self.paused.add(sender_id)
        return changed

    async def resume(self, sender_id: str) -> bool:
        self.calls.append(("resume", (sender_id,)))
        changed = sender_id in self.paused
        self.paused.discard(sender_id)
        return changed

    async def say(
        self, sender_id: str, text: str, author: str | None = None, notice: str | None = None
    ) -> None:
        """Record a counsellor's message (or a notice) as the real tracker would."""
        self.calls.append(("say", (sender_id, text, author, notice)))
        turns = self.transcripts.get(sender_id)
        if turns is not None:
            role = "counsellor" if author or notice else "bot"
            turns.append({"role": role, "text": text, "author": author, "notice": notice})

    async def erase(self, sender_id: str) -> None:
        self.calls.append(("erase", (sender_id,)))
        self.transcripts.pop(sender_id, None)

    async def send(self, sender: str, text: str, metadata: dict) -> RasaReply:
        self.calls.append(("send", (sender, text, metadata)))
        return self.reply

    async def health(self) -> dict[str, bool]:
        return {"rasa": True, "actions": True}

    async def aclose(self) -> None:
        return None


class WorkspaceClient(TestClient):
    """A TestClient that remembers its session's CSRF token and sends it with `submit`."""

    csrf_token: str = ""

    def submit(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """POST a form with this client's CSRF token (no redirects followed)."""
        form = {"csrf_token": self.csrf_token, **(data or {})}
        return self.post(url, data=form, follow_redirects=False, **kwargs)


@pytest.fixture(autouse=True)
def fast_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with small costs, so that tests creating many accounts stay fast."""
    monkeypatch.setattr(auth, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024))


@pytest.fixture(scope="session")
def empty_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An app database with every table and no rows, created once (copied for each test)."""
    path = tmp_path_factory.mktemp("template") / "lotse.db"
    get_engine(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture
def settings(tmp_path: Path, empty_database: Path) -> Settings:
    """Settings with a temporary var_dir and SQLite database, rate limits off."""
    shutil.copyfile(empty_database, tmp_path / "lotse.db")
    return Settings(
        environment="development",
        var_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path}/lotse.db",
        rate_limit_ip_per_minute=0,
        rate_limit_session_per_minute=0,
        public_url="http://testserver",
    )


@pytest.fixture
def rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture(scope="session")
def shared_app(empty_database: Path) -> FastAPI:
    """The real web app, built once (building its routes takes a while); see `app`."""
    return create_app(Settings(rate_limit_ip_per_minute=0, rate_limit_session_per_minute=0))


@pytest.fixture
def app(shared_app: FastAPI, settings: Settings, rasa: FakeRasa) -> Iterator[FastAPI]:
    """The web app with this test's settings (its database), the fake Rasa, no Telegram.

    Workspace routes read everything from `app.state`, so one app serves every test; a test
    that needs its own middlewares or settings at build time calls `create_app` itself.
    """
    shared_app.state.settings = settings
    shared_app.state.rasa_client = rasa
    shared_app.state.telegram = None
    shared_app.dependency_overrides = {get_rasa_client: lambda: rasa}
    yield shared_app
    shared_app.dependency_overrides = {}


@pytest.fixture
def db(settings: Settings) -> Iterator[Callable[[], Session]]:
    """`db()` opens a session on the test database (closed at the end of the test)."""
    opened: list[Session] = []
    factory = sessionmaker(bind=get_engine(settings.database_url), future=True)

    def open_session() -> Session:
        session = factory()
        opened.append(session)
        return session

    yield open_session
    for session in opened:
        session.close()


@pytest.fixture
def new_client(app: FastAPI) -> Iterator[Callable[[], WorkspaceClient]]:
    """`new_client()`: another browser (its own cookies), not logged in."""
    clients: list[WorkspaceClient] = []

    def make() -> WorkspaceClient:
        made = WorkspaceClient(app, base_url="http://testserver")
        clients.append(made)
        return made

    yield make
    for made in clients:
        made.close()


@pytest.fixture
def client(new_client: Callable[[], WorkspaceClient]) -> WorkspaceClient:
    """A browser that is not logged in."""
    return new_client()


@pytest.fixture
def make_user(settings: Settings) -> Callable[..., User]:
    """`make_user(email, password=PASSWORD, centres=(), admin=False, name=None)` → the User."""

    def make(
        email: str,
        password: str = PASSWORD,
        centres: tuple[str, ...] | list[str] = (),
        admin: bool = False,
        name: str | None = None,
    ) -> User:
        factory = sessionmaker(bind=get_engine(settings.database_url), future=True)
        with factory() as session:
            user = auth.create_user(
                session,
                email,
                name or email.split("@")[0].title(),
                password,
                admin=admin,
                centres=centres,
            )
            session.commit()
            session.refresh(user)
            session.expunge(user)
            return user

    return make


def login_page_token(client: TestClient) -> str:
    """The login form's CSRF token (GET /workspace/login sets the matching cookie)."""
    page = client.get("/workspace/login")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, "the login page has no CSRF field"
    return found.group(1)


@pytest.fixture
def login() -> Callable[..., WorkspaceClient]:
    """`login(client, email, password=PASSWORD)` → the client, logged in, with `csrf_token`."""

    def do_login(client: WorkspaceClient, email: str, password: str = PASSWORD) -> WorkspaceClient:
        token = login_page_token(client)
        response = client.post(
            "/workspace/login",
            data={"email": email, "password": password, "csrf_token": token},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        inbox = client.get("/workspace/")
        assert inbox.status_code == 200
        found = CSRF_META.search(inbox.text)
        assert found, "logged-in pages carry the CSRF token"
        client.csrf_token = found.group(1)
        return client

    return do_login


#: What a hand-off's transcript (Handoff.transcript) holds, oldest first.
DEFAULT_TRANSCRIPT = [
    {"role": "person", "text": "Hallo, ich bin Krankenschwester", "language": "de"},
    {"role": "bot", "text": "Ihr Referenzberuf ist Pflegefachfrau.", "language": "de"},
]


@pytest.fixture
def make_case(settings: Settings) -> Callable[..., Handoff]:
    """`make_case(**fields)` → a stored Handoff (detached) in CENTRE_A unless told otherwise."""

    def make(**fields: Any) -> Handoff:
        now = utcnow()
        transcript = fields.pop("transcript", DEFAULT_TRANSCRIPT)
        values: dict[str, Any] = {
            "ref": new_ref(),
            "sender_id": f"web-{new_ref().lower()}",
            "channel": "web",
            "kind": "recognition",
            "status": "new",
            "language": "de",
            "occupation_text": "Krankenschwester",
            "country": "UA",
            "occupation_id": "pflegefachkraft",
            "occupation_score": 0.92,
            "regulated": "yes",
            "land": "BE",
            "authority": "Landesamt für Gesundheit und Soziales Berlin",
            "centre_id": CENTRE_A,
            "contact_channel": "email",
            "contact_value": "person@example.org",
            "consent_at": now - timedelta(minutes=1),
            "created_at": now,
            "transcript": transcript
            if isinstance(transcript, str)
            else json.dumps(transcript, ensure_ascii=False),
        }
        values.update(fields)
        factory = sessionmaker(bind=get_engine(settings.database_url), future=True)
        with factory() as session:
            case = Handoff(**values)
            session.add(case)
            session.commit()
            session.refresh(case)
            session.expunge(case)
            return case

    return make
