"""Where sign-ins are kept: the OS keyring, an encrypted file, or memory (unit tests).

The keyring is the default. A headless machine often has none (Python's `keyring` then
picks its `fail` backend), and then nothing is stored until the operator chooses the
encrypted file: with `CASEYOS_SECRETS=file`, or by answering a question at a terminal,
which is remembered in a small file so the daemon makes the same choice. There is never a
silent fallback: a secret lands in a file only when someone asked for it.

The encrypted file (`secrets.fernet`, 0600, in a 0700 directory under the state directory)
is Fernet-encrypted JSON. Its key is derived with scrypt from `CASEYOS_SECRETS_PASSPHRASE`
when that is set; otherwise a random key is kept in `secrets.key` beside it (0600), which
keeps the file from being read in passing but not from anyone who can read the key file
too. `auth status` says which.

Only this module touches `keyring` and `cryptography`, and only once a store is used: the
CLI's hot path imports neither.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

from daemon import paths

APP = "caseyos"
ENV_CHOICE = "CASEYOS_SECRETS"
ENV_PASSPHRASE = "CASEYOS_SECRETS_PASSPHRASE"
CHOICES = ("keyring", "file", "memory")
# One line (with "caseyos: " before it) naming both ways out.
NO_STORE = "no keyring: set CASEYOS_SECRETS=file or log in at a terminal to choose"
# scrypt cost: ~50 ms once per process, which is when the key is derived.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


class SecretStoreError(Exception):
    """The store cannot be used (none chosen, wrong passphrase, unreadable file)."""


class NoSecretStore(SecretStoreError):
    """No keyring answers and nobody chose the encrypted file."""

    def __init__(self) -> None:
        super().__init__(NO_STORE)


class SecretStore(Protocol):
    """One JSON object per service, kept where only the operator can read it."""

    name: str

    def describe(self) -> str:
        """Where the secrets are, in a few words (for `auth status`)."""
        ...

    def warning(self) -> str | None:
        """What the operator should know about this store, if anything."""
        ...

    def load(self, service: str) -> dict[str, Any] | None: ...

    def save(self, service: str, data: Mapping[str, Any]) -> None: ...

    def delete(self, service: str) -> None: ...


class MemoryStore:
    """For unit tests: nothing outlives the process."""

    name = "memory"

    def __init__(self) -> None:
        self.items: dict[str, str] = {}

    def describe(self) -> str:
        return "memory (forgotten when the daemon stops)"

    def warning(self) -> str | None:
        return "sign-ins are kept in memory only and are lost when the daemon stops"

    def load(self, service: str) -> dict[str, Any] | None:
        text = self.items.get(service)
        return json.loads(text) if text else None

    def save(self, service: str, data: Mapping[str, Any]) -> None:
        self.items[service] = json.dumps(dict(data))

    def delete(self, service: str) -> None:
        self.items.pop(service, None)


def keyring_backend() -> Any | None:
    """The keyring `keyring` would use, or None when there is none that works (its `fail`
    backend, or one that cannot even be asked)."""
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
    except Exception:
        return None
    if isinstance(backend, fail.Keyring):
        return None
    chained = getattr(backend, "backends", None)
    if chained is not None and not chained:
        return None
    return backend


class KeyringStore:
    """The OS keyring (Secret Service, macOS Keychain, Windows Credential Locker)."""

    name = "keyring"

    def __init__(self, backend: Any):
        self.backend = backend

    def describe(self) -> str:
        return f"keyring ({type(self.backend).__name__})"

    def warning(self) -> str | None:
        return None

    def load(self, service: str) -> dict[str, Any] | None:
        with _keyring_errors():
            text = self.backend.get_password(APP, service)
        return json.loads(text) if text else None

    def save(self, service: str, data: Mapping[str, Any]) -> None:
        with _keyring_errors():
            self.backend.set_password(APP, service, json.dumps(dict(data)))

    def delete(self, service: str) -> None:
        from keyring.errors import PasswordDeleteError

        with _keyring_errors(), contextlib.suppress(PasswordDeleteError):
            self.backend.delete_password(APP, service)


@contextlib.contextmanager
def _keyring_errors() -> Iterator[None]:
    """A locked or broken keyring as a SecretStoreError that says so (never a value)."""
    from keyring.errors import KeyringError, PasswordDeleteError

    try:
        yield
    except PasswordDeleteError:
        raise
    except KeyringError as exc:
        raise SecretStoreError(
            f"the keyring refused ({type(exc).__name__}); is it locked?"
        ) from None


def secrets_dir() -> Path:
    return paths.state_dir() / "secrets"


def choice_file() -> Path:
    return secrets_dir() / "backend"


class FileStore:
    """All services in one Fernet-encrypted JSON file, rewritten whole (atomically)."""

    name = "file"

    def __init__(self, directory: Path, passphrase: str | None):
        self.directory = directory
        self.path = directory / "secrets.fernet"
        self.key_path = directory / "secrets.key"
        self._passphrase = passphrase
        self._fernet: Any = None
        self._salt: bytes | None = None

    def describe(self) -> str:
        how = f"key from {ENV_PASSPHRASE}" if self._passphrase else f"key file {self.key_path}"
        return f"encrypted file {self.path} ({how})"

    def warning(self) -> str | None:
        if self._passphrase:
            return (
                "secrets are in an encrypted file; its key comes from your passphrase, "
                "so keep that out of shell history and shared scripts"
            )
        return (
            "secrets are in an encrypted file whose key sits beside it: this keeps them "
            "from a casual look, not from anyone who can read your files; set "
            f"{ENV_PASSPHRASE} or use a keyring for more"
        )

    # -- the file -------------------------------------------------------------------------

    def _read(self) -> dict[str, Any]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        try:
            envelope = json.loads(raw)
            kdf = envelope["kdf"]
            token = envelope["data"].encode()
        except (ValueError, KeyError, TypeError, AttributeError):
            raise SecretStoreError(f"{self.path} is not a CaseyOS secrets file") from None
        if kdf == "scrypt" and not self._passphrase:
            raise SecretStoreError(
                f"{self.path} is locked with a passphrase: set {ENV_PASSPHRASE} for the daemon"
            )
        if kdf == "keyfile" and self._passphrase:
            raise SecretStoreError(
                f"{self.path} uses the key file, not a passphrase: unset {ENV_PASSPHRASE} "
                "or log in again after removing the file"
            )
        salt = base64.b64decode(envelope["salt"]) if kdf == "scrypt" else None
        fernet = self._cipher(salt)
        from cryptography.fernet import InvalidToken

        try:
            plain = fernet.decrypt(token)
        except InvalidToken:
            raise SecretStoreError(
                f"cannot decrypt {self.path}: wrong {ENV_PASSPHRASE} or key file"
            ) from None
        data = json.loads(plain)
        return data if isinstance(data, dict) else {}

    def _write(self, items: Mapping[str, Any]) -> None:
        paths.ensure_private_dir(self.directory)
        if self._passphrase:
            salt = self._salt or os.urandom(16)
            envelope = {"version": 1, "kdf": "scrypt", "salt": base64.b64encode(salt).decode()}
        else:
            salt = None
            envelope = {"version": 1, "kdf": "keyfile"}
        token = self._cipher(salt).encrypt(json.dumps(dict(items)).encode())
        envelope["data"] = token.decode()
        temp = self.path.with_name(self.path.name + ".tmp")
        temp.unlink(missing_ok=True)
        fd = paths.open_private(temp, os.O_WRONLY | os.O_TRUNC)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(json.dumps(envelope))
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, self.path)

    def _cipher(self, salt: bytes | None) -> Any:
        """The Fernet for this file, made once per process (scrypt is slow on purpose)."""
        if self._fernet is not None and (salt is None or salt == self._salt):
            return self._fernet
        from cryptography.fernet import Fernet

        if self._passphrase:
            from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

            assert salt is not None
            raw = Scrypt(salt=salt, length=32, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P).derive(
                self._passphrase.encode()
            )
            key = base64.urlsafe_b64encode(raw)
            self._salt = salt
        else:
            key = self._key_file()
        self._fernet = Fernet(key)
        return self._fernet

    def _key_file(self) -> bytes:
        try:
            return self.key_path.read_bytes().strip()
        except FileNotFoundError:
            pass
        from cryptography.fernet import Fernet

        paths.ensure_private_dir(self.directory)
        key = Fernet.generate_key()
        try:
            fd = os.open(
                self.key_path,
                os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                paths.PRIVATE_FILE,
            )
        except FileExistsError:  # made meanwhile by another process: use theirs
            return self.key_path.read_bytes().strip()
        with os.fdopen(fd, "wb") as f:
            f.write(key)
        return key

    # -- the store ------------------------------------------------------------------------

    def load(self, service: str) -> dict[str, Any] | None:
        item = self._read().get(service)
        return item if isinstance(item, dict) else None

    def save(self, service: str, data: Mapping[str, Any]) -> None:
        items = self._read()
        items[service] = dict(data)
        self._write(items)

    def delete(self, service: str) -> None:
        items = self._read()
        if items.pop(service, None) is not None:
            self._write(items)


def remembered_choice() -> str | None:
    """The store chosen at a terminal earlier ("file"), if any."""
    try:
        text = choice_file().read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return text if text in CHOICES else None


def remember_choice(choice: str) -> Path:
    """Keep the operator's choice so the daemon (and the next login) make the same one."""
    if choice not in CHOICES:
        raise ValueError(f"unknown secret store {choice!r}")
    paths.ensure_private_dir(secrets_dir())
    paths.write_private_text(choice_file(), choice + "\n")
    return choice_file()


def open_store(env: Mapping[str, str] | None = None) -> SecretStore:
    """The store to use now: CASEYOS_SECRETS, else the remembered choice, else the keyring.

    Raises NoSecretStore when no keyring answers and nothing was chosen.
    """
    env = os.environ if env is None else env
    choice = (env.get(ENV_CHOICE) or "").strip().lower() or remembered_choice()
    if choice and choice not in CHOICES:
        raise SecretStoreError(f"{ENV_CHOICE} must be one of {', '.join(CHOICES)}, not {choice!r}")
    if choice == "file":
        return FileStore(secrets_dir(), env.get(ENV_PASSPHRASE) or None)
    if choice == "memory":
        return MemoryStore()
    backend = keyring_backend()
    if backend is None:
        if choice == "keyring":
            raise SecretStoreError(f"{ENV_CHOICE}=keyring, but no keyring answers here")
        raise NoSecretStore()
    return KeyringStore(backend)
