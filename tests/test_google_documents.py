"""Drive documents into the store: the Drive connector's batches written by `write_chunk`,
upserted by Drive id in one statement a chunk, linked to a known company by an outside
owner, marked trashed when Drive says a file was removed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from connectors.base import CompanyRecord, SyncBatch
from daemon.domain.ingest import Ingest, write_chunk
from daemon.store.models import Company, Document
from tests.fakes.google import NOW, FakeGoogle
from tests.google_helpers import ME, drive, run
from tests.store_fixtures import Store


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.create(tmp_path / "w.sqlite3")
    yield s
    await s.close()


@pytest.fixture
def fake() -> Iterator[FakeGoogle]:
    server = FakeGoogle()
    with server:
        yield server


async def _write(store: Store, batches: list[SyncBatch]) -> tuple[dict[str, int], list[str]]:
    job = Ingest(ME, NOW, "drive")
    counts: dict[str, int] = {}
    with store.counting() as statements:
        for batch in batches:
            async with store.transaction() as s:
                report = await write_chunk(job, s, batch)
            for kind, n in report.as_dict().items():
                counts[kind] = counts.get(kind, 0) + n
    return counts, list(statements)


async def _documents(store: Store) -> dict[str, Document]:
    async with store.transaction() as s:
        return {d.name: d for d in (await s.scalars(select(Document))).all()}


async def test_documents_are_upserted_linked_and_trashed(store: Store, fake: FakeGoogle) -> None:
    await _write(store, [SyncBatch(source="x", companies=[CompanyRecord("acme.example", "Acme")])])
    for n in range(10):
        fake.add_file(f"Own {n}")
    proposal = fake.add_file("Proposal", owners=["ola@acme.example"])
    fake.add_file("Stranger's", owners=["who@unknown.example"], mime_type="application/pdf")
    fake.add_file("Personal", owners=["someone@gmail.com"])

    first = await run(drive(fake), "files")
    assert len(first) == 2
    counts, statements = await _write(store, first)
    assert counts == {"documents": 13}
    writes = [s for s in statements if s.lstrip().upper().startswith("INSERT INTO DOCUMENTS")]
    assert len(writes) == len(first)  # one executemany a chunk

    docs = await _documents(store)
    async with store.transaction() as s:
        acme = await s.scalar(select(Company.id).where(Company.domain == "acme.example"))
        companies = (await s.scalars(select(Company.domain))).all()
    assert docs["Proposal"].company_id == acme
    assert docs["Proposal"].owners == ["ola@acme.example"]
    assert docs["Proposal"].link and docs["Proposal"].modified_at == NOW
    assert docs["Own 0"].company_id is None and docs["Personal"].company_id is None
    assert docs["Stranger's"].company_id is None and docs["Stranger's"].mime_type.endswith("pdf")
    assert list(companies) == ["acme.example"]  # owners never create companies

    # The same files again: nothing new; then a rename, a trashing and a removal.
    again, _ = await _write(store, await run(drive(fake), "files"))
    assert again == {}
    fake.update_file(proposal, name="Proposal v2")
    own = next(fid for fid, f in fake.files.items() if f["name"] == "Own 0")
    fake.update_file(own, trashed=True)
    personal = next(fid for fid, f in fake.files.items() if f["name"] == "Personal")
    fake.remove_file(personal)
    changes, _ = await _write(store, await run(drive(fake), "files", first[-1].cursor))
    assert changes == {}
    docs = await _documents(store)
    assert "Proposal v2" in docs and "Proposal" not in docs
    assert docs["Own 0"].trashed
    assert docs["Personal"].trashed  # removed: marked, and the rest kept
    assert docs["Personal"].owners == ["someone@gmail.com"]
    assert not docs["Own 1"].trashed
