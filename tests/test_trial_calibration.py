"""helpers.trial_calibration: the SE-KLAR Tabell 2 targets and the fitting step."""
import copy

import pandas as pd
import pytest

from helpers import synth
from helpers import trial_calibration as tc


def test_targets_are_every_arm_cell_of_tabell_2_with_the_corrected_total_hours():
    targets = tc.trial_targets().set_index("id")
    assert len(targets) == 2 * 16
    assert targets.loc["work_intervensjon", "target"] == 10.9
    assert targets.loc["none_kontroll", "target"] == 5.6
    assert targets.loc["total_hours_intervensjon", "target"] == pytest.approx(1310.4)  # NOTES 15
    assert targets["fitted"].sum() == 2 * len(tc.FITTED)
    assert (targets.loc[targets["unit"] == "months", "tolerance"] == 1.0).all()


def test_a_step_moves_each_parameter_toward_its_target():
    """Work too low in the SE arm -> skala.arbeid up by (target/value)^damp; AAP and work
    too high in the control arm -> arbeid_ytelse.aap down; hours above the 4-hour floor
    scale."""
    spec = copy.deepcopy(synth.load_parameters()["forsok"]["SE-KLAR"])
    table = tc.trial_targets()
    table["synthetic"] = table["target"]
    table.loc[table["id"] == "work_intervensjon", "synthetic"] = 10.9 / 1.21
    table.loc[table["id"] == "aap_and_work_kontroll", "synthetic"] = 2.6 * 2
    table.loc[table["id"] == "hours_kontroll", "synthetic"] = 7.0 / 2
    new = tc._step(spec, table, damp=0.5)
    assert new["skala"]["arbeid"]["intervensjon"] == pytest.approx(
        spec["skala"]["arbeid"]["intervensjon"] * 1.1, abs=1e-6)
    assert new["arbeid_ytelse"]["kontroll"]["aap"] == pytest.approx(spec["arbeid_ytelse"]["kontroll"]["aap"]
                                                                   / 2 ** 0.5, abs=1e-6)
    assert new["timer"]["kontroll"] == pytest.approx(4 + (spec["timer"]["kontroll"] - 4) * 2 ** 0.5, abs=1e-6)
    # a target met leaves its parameter where it was
    assert new["skala"]["aap"] == spec["skala"]["aap"]


def test_the_writer_keeps_the_parameter_file_readable(tmp_path):
    """calibrate_trials with no change to make writes the same values back, in place."""
    path = tmp_path / "parameters.yaml"
    path.write_text(synth.PARAMETERS_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    table = tc.calibrate_trials(iterations=0, path=path, verbose=False)
    assert isinstance(table, pd.DataFrame) and table["ok"].all()
    assert synth.load_parameters(path)["forsok"] == synth.load_parameters()["forsok"]
