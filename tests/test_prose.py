from helpers import prose


def test_numbers_the_norwegian_way():
    assert prose.pct(80.84) == "81 prosent"
    assert prose.pct(80.84, 1) == "80,8 prosent"
    assert prose.number(46865) == "46\u202f865"
    assert prose.number(39.75, 1) == "39,8"
    assert prose.pp(-9.34) == "9 prosentpoeng"


def test_words_follow_the_sign_and_size():
    assert prose.compare(80.8, 58.7) == "lavere"
    assert prose.compare(5.0, 16.0) == "høyere"
    assert prose.compare(51.2, 51.9) == "om lag like høy"
    assert prose.change(20.0, 30.0) == "økte fra 20 prosent til 30 prosent"
    assert prose.change(70.0, 45.0) == "falt fra 70 prosent til 45 prosent"
    assert prose.change(50.2, 50.6).startswith("holdt seg på om lag")


def test_change_in_counts():
    assert prose.change_count(15000, 12000) == "falt fra 15\u202f000 til 12\u202f000"
    assert prose.change_count(15000, 15100).startswith("var om lag uendret")


def test_blank_cells_give_words_not_nan():
    nan = float("nan")
    assert prose.pct(nan) == "ukjent andel"
    assert prose.compare(nan, 3.0) == "ikke mulig å sammenligne"
    assert prose.change(nan, 3.0) == "kan ikke vises (for få personer)"
    assert "nan" not in prose.change_count(100, nan)
