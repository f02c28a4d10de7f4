"""The notebooks' entry point (helpers.report): the data banner and open_extract."""
from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from helpers import report
from helpers.contract import Extract, write_extract
from helpers.spells import build_frame
from tests.builders import ExtractBuilder


def _shown(monkeypatch, extract) -> list:
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    report.data_banner(extract)
    return shown


def test_data_banner_synthetic(monkeypatch):
    extract = Extract(path=Path("x"), meta={"uttrekksdato": "2020-12-31", "kilde": "syntetisk",
                                            "beskrivelse": "Generert"})
    (shown,) = _shown(monkeypatch, extract)
    text = shown.data
    assert "Syntetiske data" in text and "ikke fra NAVs registre" in text
    assert ".callout-warning" in text and "31. desember 2020" in text


def test_data_banner_register(monkeypatch):
    extract = Extract(path=Path("x"), meta={"uttrekksdato": "2024-06-30", "kilde": "register",
                                            "beskrivelse": "Koblede registerdata, versjon 3."})
    (shown,) = _shown(monkeypatch, extract)
    text = shown.data
    assert "Syntetiske data" not in text and "callout" not in text
    assert "Datakilde" in text and "30. juni 2024" in text and "versjon 3" in text


def small_extract(folder: Path) -> Path:
    b = ExtractBuilder()
    for i in range(6):
        b.person(f"p{i}").tiltak(f"p{i}", f"2015-0{1 + i}-03", "2015-12-20")
        b.status(f"p{i}", "2014-01-01", None)
    return write_extract(folder, b.tables(), b.meta)


def test_open_extract_shows_the_banner_and_gives_the_frame(tmp_path, monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    folder = small_extract(tmp_path / "uttrekk")
    with warnings.catch_warnings():
        opened = report.open_extract(folder, tmp_path / "build" / "cache")
    assert len(shown) == 1 and "Syntetiske data" in shown[0].data
    assert opened.is_synthetic and len(opened.frame) == 6
    pd.testing.assert_frame_equal(opened.frame, build_frame(opened.extract))
    assert opened.main["person_id"].tolist() == opened.frame["person_id"].tolist()
    assert list(opened.grid.persons) == sorted(f"p{i}" for i in range(6))


def test_open_extract_makes_warnings_from_our_code_errors(tmp_path, monkeypatch):
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda obj: None)
    folder = small_extract(tmp_path / "uttrekk")
    with warnings.catch_warnings():
        report.open_extract(folder)
        with pytest.raises(FutureWarning):
            warnings.warn_explicit("old pandas call", FutureWarning, "tables.py", 1,
                                   module="helpers.tables")
        with pytest.raises(UserWarning):
            warnings.warn_explicit("in a cell", UserWarning, "cell", 1, module="__main__")
        # Other libraries' own warnings stay warnings.
        with pytest.warns(UserWarning):
            warnings.warn_explicit("theirs", UserWarning, "x.py", 1, module="matplotlib.axes")
