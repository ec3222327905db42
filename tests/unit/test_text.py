"""Text normalisation, accent folding and Vietnamese sort order."""

import unicodedata

import pytest

from sos_qgis_plugin.core.text import fold_for_search, normalize_text, vietnamese_sort_key


def nfd(value: str) -> str:
    return unicodedata.normalize("NFD", value)


def test_normalize_makes_nfc():
    assert normalize_text(nfd("Đông Hòa")) == unicodedata.normalize("NFC", "Đông Hòa")


def test_normalize_strips_spaces():
    assert normalize_text("  Phú Yên \n") == "Phú Yên"


def test_normalize_removes_zero_width_space():
    assert normalize_text("hỗ trợ\u200b gấp") == "hỗ trợ gấp"


def test_normalize_removes_bom():
    assert normalize_text("\ufeffcứu") == "cứu"


def test_normalize_strips_after_invisible():
    assert normalize_text("\u200b cứu \ufeff") == "cứu"


def test_normalize_keeps_emoji():
    assert normalize_text("Cụ bà 👵") == "Cụ bà 👵"


def test_normalize_keeps_zero_width_joiner():
    family = "👨\u200d👩\u200d👧"
    assert normalize_text(family) == family


def test_normalize_keeps_html():
    markup = '<a href="http://example.invalid/">x</a>'
    assert normalize_text(markup) == markup


def test_normalize_rejects_non_text():
    with pytest.raises(TypeError):
        normalize_text(5)


@pytest.mark.parametrize("query", ["dong hoa", "Đông Hòa", "ĐÔNG HÒA", nfd("Đông Hòa"), " Đông   Hòa "])
def test_fold_matches_forms(query):
    assert fold_for_search(query) == "dong hoa"


def test_fold_lowercase_d_stroke():
    assert fold_for_search("đường") == "duong"


def test_fold_eth_lookalike():
    assert fold_for_search("\u00d0à Nẵng") == "da nang"


def test_fold_drops_zero_width_space():
    assert fold_for_search("Phú\u200b Yên") == "phu yen"


def test_fold_keeps_digits():
    assert fold_for_search("Thôn 3") == "thon 3"


def test_sort_communes():
    names = ["Yên", "Đà", "Dĩ", "Bắc", "Ấp", "An"]
    assert sorted(names, key=vietnamese_sort_key) == ["An", "Ấp", "Bắc", "Dĩ", "Đà", "Yên"]


def test_sort_nfd_like_nfc():
    assert vietnamese_sort_key(nfd("Ấp Bắc"))[:3] == vietnamese_sort_key("Ấp Bắc")[:3]


def test_sort_tones_in_dictionary_order():
    words = ["mạ", "má", "mã", "mả", "mà", "ma"]
    assert sorted(words, key=vietnamese_sort_key) == ["ma", "mà", "mả", "mã", "má", "mạ"]


def test_sort_letter_before_tone():
    # "mạ" has a heavier tone but its next letter decides first.
    assert sorted(["mạ", "mb"], key=vietnamese_sort_key) == ["mạ", "mb"]


def test_sort_vowel_letters():
    words = ["ư", "u", "ơ", "ô", "o", "ê", "e", "â", "ă", "a"]
    assert sorted(words, key=vietnamese_sort_key) == ["a", "ă", "â", "e", "ê", "o", "ô", "ơ", "u", "ư"]


def test_sort_d_before_d_stroke():
    assert sorted(["Đắk Lắk", "Duy Xuyên"], key=vietnamese_sort_key) == ["Duy Xuyên", "Đắk Lắk"]


def test_sort_shorter_prefix_first():
    assert sorted(["Hòa Xuân", "Hòa"], key=vietnamese_sort_key) == ["Hòa", "Hòa Xuân"]


def test_sort_digits_before_letters():
    assert sorted(["Thôn A", "Thôn 2"], key=vietnamese_sort_key) == ["Thôn 2", "Thôn A"]


def test_sort_ignores_case_first():
    assert sorted(["bắc", "An"], key=vietnamese_sort_key) == ["An", "bắc"]


def test_sort_numbers_by_value():
    names = ["Phường 10", "Phường 2", "Phường 11", "Phường 1"]
    assert sorted(names, key=vietnamese_sort_key) == ["Phường 1", "Phường 2", "Phường 10", "Phường 11"]


def test_sort_numbers_then_letters():
    names = ["Phường Tân An", "Phường 10", "Phường An Lạc", "Phường 9"]
    expected = ["Phường 9", "Phường 10", "Phường An Lạc", "Phường Tân An"]
    assert sorted(names, key=vietnamese_sort_key) == expected


def test_sort_number_inside_name():
    names = ["Thôn 12 Ea Tu", "Thôn 3 Ea Tu", "Thôn 3 Cư Suê"]
    assert sorted(names, key=vietnamese_sort_key) == ["Thôn 3 Cư Suê", "Thôn 3 Ea Tu", "Thôn 12 Ea Tu"]


def test_sort_leading_zeros():
    assert sorted(["Khu 02", "Khu 3", "Khu 2"], key=vietnamese_sort_key) == ["Khu 2", "Khu 02", "Khu 3"]


def test_sort_huge_number():
    # Longer than the 4,300 digits that int() accepts from a string in Python 3.11.
    names = ["Khu " + "9" * 5000, "Khu 10"]
    assert sorted(names, key=vietnamese_sort_key) == ["Khu 10", "Khu " + "9" * 5000]
