"""The encryption benchmark measures what it says: its plaintext copy of the case page
decrypts nothing and shows the same page, and its record path reads what was sealed."""

from __future__ import annotations

import random

import pytest

from sharing.access import reveal
from sharing.crypto import sealing
from tests.benchmarks import bench_encryption


@pytest.fixture(autouse=True)
def _scratch(tmp_path, monkeypatch) -> None:
    """The benchmark's files go to a temporary folder, not the repository's .tmp."""
    monkeypatch.setattr(bench_encryption, "TMP", tmp_path)


def test_the_case_page_benchmark_compares_the_same_page_with_and_without_decryption() -> None:
    # bench_page raises if either page misses a value, or if the plaintext copy decrypts
    figures = bench_encryption.bench_page(requests=20)
    assert figures.sealed_values == 20
    assert len(figures.sealed_ms) == len(figures.plain_ms) == 20


def test_the_plaintext_copy_replaces_every_way_to_decrypt_and_puts_them_back() -> None:
    real = (reveal.unseal_records, reveal.unseal_many, sealing.unseal_many)
    with bench_encryption.plaintext_copy({}):
        assert reveal.unseal_records is not real[0]
        assert reveal.unseal_many is not real[1]
        assert sealing.unseal_many is not real[2]
        with pytest.raises(RuntimeError, match="decrypted a value"):
            sealing._opening_cipher(None, None, "family_name", 1, 1)  # type: ignore[arg-type]
    assert (reveal.unseal_records, reveal.unseal_many, sealing.unseal_many) == real


def test_the_field_benchmark_reads_back_what_it_sealed() -> None:
    # bench_fields raises if any path gives back other values than were sealed
    figures = bench_encryption.bench_fields(
        bench_encryption.CHUNK, bench_encryption.Population(random.Random(7))
    )
    assert figures.values == bench_encryption.CHUNK * len(bench_encryption.FIELDS)
    assert figures.record_decrypt > 0
