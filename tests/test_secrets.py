from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from ngdpkit import secrets as S


def test_repr_never_shows_the_value() -> None:
    s = S.Secret("NGDPKIT_TEST_CERT_PASSWORD", "hunter2-very-secret")
    for text in (repr(s), str(s), f"{s}", repr([s]), repr({"x": s})):
        assert "hunter2" not in text
    assert s.reveal() == "hunter2-very-secret"
    with pytest.raises(TypeError):
        pickle.dumps(s)


def test_order_environment_file_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "s.env"
    f.write_text("# comment\nexport A=\"from-file\"\nB='quoted value'\nC=plain\n", encoding="utf-8")
    assert S.resolve("A", secrets_file=f, environ={"A": "from-env"}).origin == "environment"
    got = S.resolve("A", secrets_file=f, environ={})
    assert got.reveal() == "from-file" and got.origin == "secrets file"
    assert S.resolve("B", secrets_file=f, environ={}).reveal() == "quoted value"
    monkeypatch.setattr(S, "_from_keyring", lambda name: "from-keyring" if name == "K" else None)
    assert S.resolve("K", secrets_file=f, environ={}).origin == "keyring"
    assert S.resolve("MISSING", secrets_file=f, environ={}) is None
    assert S.resolve(None) is None


def test_prompt_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import getpass

    asked = []
    monkeypatch.setattr(getpass, "getpass", lambda prompt: asked.append(prompt) or "typed-value")
    monkeypatch.setattr("sys.stdin", type("T", (), {"isatty": lambda self: False})())
    assert S.resolve("P", environ={}, prompt=True) is None and asked == []
    monkeypatch.setattr("sys.stdin", type("T", (), {"isatty": lambda self: True})())
    got = S.resolve("P", environ={}, prompt=True, label="Certificate password")
    assert got.reveal() == "typed-value" and got.origin == "prompt" and "input hidden" in asked[0]


def test_importing_ipykernel_does_not_make_a_kernel() -> None:
    import ipykernel  # noqa: F401

    assert not S._in_jupyter_kernel()
