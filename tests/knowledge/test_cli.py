"""The knowledge subcommands of the ``lotse`` CLI, run in-process."""

from __future__ import annotations

import io
import json

import pytest

from lotse.cli import main
from lotse.knowledge import KnowledgeBase


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_match_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "match", "Ich bin gelernte Elektrikerin", "--json")
    assert code == 0
    payload = json.loads(out)
    assert payload["language"] == "de"
    first = payload["candidates"][0]
    assert set(first) == {"id", "title_de", "title", "kldb", "regulated", "score"}
    assert first["id"] == "elektroniker_eg"
    assert isinstance(first["score"], float) and 0 <= first["score"] <= 100
    assert round(first["score"], 1) == first["score"]


def test_match_title_in_the_given_language(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "match", "медсестра", "--lang", "ru", "--limit", "1", "--json")
    payload = json.loads(out)
    assert code == 0 and payload["language"] == "ru" and len(payload["candidates"]) == 1
    assert payload["candidates"][0]["title"] != payload["candidates"][0]["title_de"]


def test_match_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "match", "asdfgh", "--json")
    assert code == 0
    assert json.loads(out)["candidates"] == []


def test_match_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "match", "nurse")
    assert code == 0 and "pflegefachkraft" in out


def test_match_batch(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    lines = "nurse\nru\tя работала медсестрой\n\nasdfgh\npl\tstolarz\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(lines))
    code, out, _ = _run(capsys, "match", "--batch", "--json")
    payloads = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(payloads) == 5
    assert payloads[0]["candidates"][0]["id"] == "pflegefachkraft"
    assert payloads[1]["language"] == "ru"
    assert payloads[1]["candidates"][0]["id"] == "pflegefachkraft"
    assert payloads[2]["candidates"] == payloads[3]["candidates"] == []
    assert payloads[4]["candidates"][0]["id"] == "tischler"


def test_authority_json(capsys: pytest.CaptureFixture[str], knowledge: KnowledgeBase) -> None:
    code, out, _ = _run(capsys, "authority", "arzt", "--state", "BE", "--json")
    assert code == 0
    payload = json.loads(out)
    assert set(payload) == {"occupation", "regulated", "path", "authority", "legal_basis",
                            "sources"}  # fmt: skip
    assert set(payload["occupation"]) == {"id", "title_de", "kldb", "regulated"}
    assert payload["occupation"]["id"] == "arzt" and payload["regulated"] is True
    assert set(payload["authority"]) == {"name", "address", "url", "email", "phone"}
    expected = knowledge.authority_for("arzt", "BE")
    assert expected is not None and payload["authority"]["name"] == expected.name
    assert payload["sources"] and all(s.startswith("http") for s in payload["sources"])


@pytest.mark.parametrize("state", ["Bavaria", "Бавария", "by"])
def test_authority_free_text_and_land_names(capsys: pytest.CaptureFixture[str], state: str) -> None:
    code, out, _ = _run(capsys, "authority", "я работала медсестрой", "--state", state, "--json")
    assert code == 0
    assert json.loads(out)["occupation"]["id"] == "pflegefachkraft"


def test_authority_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "authority", "tischler", "--state", "NW")
    assert code == 0 and "Tischler" in out


@pytest.mark.parametrize(
    "argv",
    [
        ("authority", "arzt", "--state", "XX", "--json"),
        ("authority", "asdfgh", "--state", "BE", "--json"),
        ("centres", "--near", "Atlantis", "--json"),
        ("centres", "--near", "00000"),
    ],
)
def test_unknown_input_exits_2(capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]) -> None:
    code, out, err = _run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1


def test_centres_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "centres", "--near", "04109", "--limit", "4", "--json")
    assert code == 0
    centres = json.loads(out)
    assert 0 < len(centres) <= 4
    distances = [c["distance_km"] for c in centres]
    assert distances == sorted(distances)
    fields = {"id", "kind", "land", "name", "address", "postcode", "city", "languages", "phone",
              "email", "url", "sources", "verified_on", "verified", "distance_km"}  # fmt: skip
    assert fields <= set(centres[0])


def test_centres_kind_and_place_name(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "centres", "--near", "Мюнхен", "--kind", "recognition", "--json")
    assert code == 0
    centres = json.loads(out)
    assert centres and all(c["kind"] == "recognition" for c in centres)
    assert centres[0]["land"] == "BY"


def test_centres_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "centres", "--near", "Leipzig")
    assert code == 0 and "km" in out


def test_bench_match(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "bench", "match")
    assert code == 0
    assert "queries/s" in out and "p95" in out
    for lang in ("de", "en", "ar", "ru", "pl"):
        assert f"\n{lang} " in out
