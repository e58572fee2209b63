"""Sealing residents' fields with AES-GCM and finding them by a blind index, keys from configuration."""

from __future__ import annotations

import base64
import os

import pytest

from server.privacy import KeyRing, SealError, keyring_from


def key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def ring(keys: str, index: str | None = None) -> KeyRing:
    return keyring_from({"SECRET_KEY": "s", "PII_KEYS": keys, "PII_INDEX_KEY": index or key()}, production=True)


def test_a_sealed_value_opens_only_as_the_field_it_was_sealed_for_and_never_reads_as_itself() -> None:
    keys = ring(f"k1:{key()}")
    sealed = keys.seal("occupant.id_number", "11010519491231002X")
    assert "11010519491231002X" not in sealed and sealed.startswith("v1:k1:")
    assert keys.open("occupant.id_number", sealed) == "11010519491231002X"
    assert keys.seal("occupant.id_number", "11010519491231002X") != sealed
    with pytest.raises(SealError):
        keys.open("occupant.phone", sealed)
    tampered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    with pytest.raises(SealError):
        keys.open("occupant.id_number", tampered)


def test_a_rotated_ring_opens_old_values_seals_with_the_new_key_and_says_what_to_reseal() -> None:
    old_key, new_key = key(), key()
    old = ring(f"k1:{old_key}")
    sealed = old.seal("landlord.name", "张三")
    rotated = ring(f"k2:{new_key},k1:{old_key}")
    assert rotated.open("landlord.name", sealed) == "张三"
    assert rotated.needs_resealing(sealed) and not rotated.needs_resealing(rotated.seal("landlord.name", "张三"))
    with pytest.raises(SealError, match="unknown key"):
        ring(f"k2:{new_key}").open("landlord.name", sealed)


def test_the_blind_index_finds_equal_values_of_a_field_and_depends_on_its_own_key() -> None:
    index = key()
    first, second = ring(f"k1:{key()}", index), ring(f"k9:{key()}", index)
    number = "11010519491231002X"
    assert first.blind_index("occupant.id_number", number) == second.blind_index("occupant.id_number", number)
    assert first.blind_index("occupant.id_number", number) != first.blind_index("landlord.id_number", number)
    assert ring(f"k1:{key()}").blind_index("occupant.id_number", number) != first.blind_index(
        "occupant.id_number", number)


@pytest.mark.parametrize(("keys", "index", "problem"), [
    (None, "x", "BEATLOG_PII_KEYS and BEATLOG_PII_INDEX_KEY"),
    ("k1:bm90IDMyIGJ5dGVz", "x", "32 bytes"),
    ("k-1:" + "A" * 44, "x", "key id"),
])
def test_production_refuses_missing_or_malformed_keys(keys: str | None, index: str, problem: str) -> None:
    with pytest.raises(RuntimeError, match=problem):
        keyring_from({"SECRET_KEY": "s", "PII_KEYS": keys, "PII_INDEX_KEY": index}, production=True)


def test_the_index_key_is_not_a_sealing_key() -> None:
    same = key()
    with pytest.raises(RuntimeError, match="differ"):
        keyring_from({"SECRET_KEY": "s", "PII_KEYS": f"k1:{same}", "PII_INDEX_KEY": same}, production=True)


def test_outside_production_keys_are_derived_from_the_secret_for_each_purpose() -> None:
    derived = keyring_from({"SECRET_KEY": "laptop"}, production=False)
    again = keyring_from({"SECRET_KEY": "laptop"}, production=False)
    assert derived == again and derived.index_key not in derived.keys.values()
    assert derived.open("occupant.name", again.seal("occupant.name", "李四")) == "李四"
