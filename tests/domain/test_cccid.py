import re

from openccc_tui.domain.cccid import CCCID_PATTERN, is_cccid, new_cccid, normalise_cccid


def test_acc_2_cccid_is_three_letters_then_four_digits():
    for _ in range(500):
        cccid = new_cccid()
        assert re.fullmatch(r"[A-Z]{3}[0-9]{4}", cccid)
        assert is_cccid(cccid)


def test_acc_2_cccids_are_random_not_sequential():
    ids = [new_cccid() for _ in range(2000)]
    # 26^3 * 10^4 possibilities: 2,000 draws collide rarely, and never all in order.
    assert len(set(ids)) > 1990
    assert ids != sorted(ids)
    assert len({cccid[:3] for cccid in ids}) > 1000


def test_acc_2_cccid_format_checks():
    assert not is_cccid("AB12345")
    assert not is_cccid("abc1234")
    assert not is_cccid("ABC12345")
    assert normalise_cccid(" abc1234 ") == "ABC1234"
    assert CCCID_PATTERN.pattern == "[A-Z]{3}[0-9]{4}"
