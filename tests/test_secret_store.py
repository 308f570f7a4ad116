"""The secret stores: which one is chosen, and the encrypted file's protection."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from daemon import secret_store
from daemon.secret_store import (
    FileStore,
    KeyringStore,
    MemoryStore,
    NoSecretStore,
    SecretStoreError,
    open_store,
)

SECRET = "1//refresh-SECRET-value-0123456789"


def test_no_keyring_and_no_choice_is_an_error_naming_both_ways_out(caseyos_home: Path) -> None:
    # This box has no keyring: `keyring` picks its fail backend, which counts as none.
    assert secret_store.keyring_backend() is None
    with pytest.raises(NoSecretStore) as caught:
        open_store({})
    message = str(caught.value)
    assert "CASEYOS_SECRETS=file" in message and "terminal" in message
    assert "\n" not in message and len("caseyos: " + message) <= 80
    with pytest.raises(SecretStoreError, match="no keyring answers"):
        open_store({"CASEYOS_SECRETS": "keyring"})


def test_the_choice_comes_from_the_env_or_the_remembered_file(caseyos_home: Path) -> None:
    assert isinstance(open_store({"CASEYOS_SECRETS": "file"}), FileStore)
    assert isinstance(open_store({"CASEYOS_SECRETS": "memory"}), MemoryStore)
    with pytest.raises(SecretStoreError, match="must be one of"):
        open_store({"CASEYOS_SECRETS": "floppy"})
    path = secret_store.remember_choice("file")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert isinstance(open_store({}), FileStore)


def test_file_store_with_a_key_file_is_private_and_encrypted(caseyos_home: Path) -> None:
    store = open_store({"CASEYOS_SECRETS": "file"})
    assert isinstance(store, FileStore)
    store.save("google", {"secret": SECRET, "scopes": ["a"]})
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.key_path.stat().st_mode) == 0o600
    assert SECRET.encode() not in store.path.read_bytes()
    assert json.loads(store.path.read_bytes())["kdf"] == "keyfile"
    assert "key file" in store.describe()
    assert "casual" in (store.warning() or "")
    # Another process (the daemon) reads it with the same key file.
    again = open_store({"CASEYOS_SECRETS": "file"})
    assert again.load("google") == {"secret": SECRET, "scopes": ["a"]}
    again.delete("google")
    assert store.load("google") is None


def test_file_store_with_a_passphrase_needs_the_same_passphrase(caseyos_home: Path) -> None:
    env = {"CASEYOS_SECRETS": "file", "CASEYOS_SECRETS_PASSPHRASE": "correct horse"}
    store = open_store(env)
    store.save("slack", {"secret": SECRET})
    assert not store.key_path.exists()
    assert json.loads(store.path.read_bytes())["kdf"] == "scrypt"
    assert "CASEYOS_SECRETS_PASSPHRASE" in store.describe()
    assert open_store(env).load("slack") == {"secret": SECRET}
    wrong = open_store({**env, "CASEYOS_SECRETS_PASSPHRASE": "battery staple"})
    with pytest.raises(SecretStoreError, match="cannot decrypt") as caught:
        wrong.load("slack")
    assert SECRET not in str(caught.value)
    with pytest.raises(SecretStoreError, match="passphrase"):
        open_store({"CASEYOS_SECRETS": "file"}).load("slack")


def test_keyring_store_speaks_the_keyring_api() -> None:
    class Ring:
        def __init__(self) -> None:
            self.items: dict[tuple[str, str], str] = {}

        def get_password(self, app: str, name: str) -> str | None:
            return self.items.get((app, name))

        def set_password(self, app: str, name: str, value: str) -> None:
            self.items[(app, name)] = value

        def delete_password(self, app: str, name: str) -> None:
            from keyring.errors import PasswordDeleteError

            if (app, name) not in self.items:
                raise PasswordDeleteError(name)
            del self.items[(app, name)]

    ring = Ring()
    store = KeyringStore(ring)
    store.save("hubspot", {"secret": SECRET})
    assert json.loads(ring.items[("caseyos", "hubspot")]) == {"secret": SECRET}
    assert store.load("hubspot") == {"secret": SECRET}
    store.delete("hubspot")
    store.delete("hubspot")  # forgetting twice is not an error
    assert store.load("hubspot") is None and store.warning() is None
