import pytest
from passlib.hash import pbkdf2_sha256

from openccc_tui.domain.hashing import PasswordHasher, WeakHasherError


@pytest.fixture(scope="module")
def hasher():
    return PasswordHasher()


def test_acc_7_hashes_are_argon2id_at_or_above_the_owasp_floor(hasher):
    stored = hasher.hash("Hunny#Pot9")
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert "Hunny#Pot9" not in stored


def test_acc_7_hashes_are_salted(hasher):
    assert hasher.hash("Hunny#Pot9") != hasher.hash("Hunny#Pot9")


def test_acc_7_verify_accepts_the_right_password_only(hasher):
    stored = hasher.hash("Hunny#Pot9")
    assert hasher.verify("Hunny#Pot9", stored).ok
    assert not hasher.verify("hunny#pot9", stored).ok
    assert hasher.verify("Hunny#Pot9", stored).new_hash is None


def test_acc_7_older_scheme_is_upgraded_on_successful_verify(hasher):
    legacy = pbkdf2_sha256.hash("Hunny#Pot9")
    result = hasher.verify("Hunny#Pot9", legacy)
    assert result.ok
    assert result.new_hash.startswith("$argon2id$")
    assert hasher.verify("wrong", legacy).new_hash is None


def test_acc_7_weaker_argon2_parameters_are_upgraded(hasher):
    weak = PasswordHasher.cheap_for_tests().hash("Hunny#Pot9")
    assert hasher.needs_update(weak)
    result = hasher.verify("Hunny#Pot9", weak)
    assert result.ok and result.new_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_acc_7_parameters_below_the_floor_are_refused():
    with pytest.raises(WeakHasherError):
        PasswordHasher(memory_kib=4096)
    with pytest.raises(WeakHasherError):
        PasswordHasher(time_cost=1)
    assert PasswordHasher(memory_kib=65536, time_cost=3).hash("x").startswith("$argon2id$v=19$m=65536,t=3")
