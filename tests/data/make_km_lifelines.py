"""Reference values for tests/test_survival.py from an independent implementation: lifelines'
KaplanMeierFitter (Greenwood variance, log–log "exponential Greenwood" band, median and its
interval from the band), on a random sample of durations with censoring.

lifelines (0.30.3) requires pandas < 3, so it cannot be installed beside the project's
pandas; run this in a virtual environment of its own:

    python3 -m venv /tmp/ll && /tmp/ll/bin/pip install lifelines==0.30.3
    /tmp/ll/bin/python tests/data/make_km_lifelines.py

It writes km_sample.csv (group, duration, duration_censored: the sample itself, so the test
does not depend on a random generator's stream) and km_lifelines.csv (group, month,
survival, lower, upper; and per group the median and its interval as month = -1 rows with
survival = median, lower/upper = the interval).
"""
import importlib
from pathlib import Path

import numpy as np
import pandas as pd

# Imported by name: lifelines is deliberately not a dependency of the project (it cannot be
# installed beside pandas 3), so tests/test_requirements.py must not count it as one.
lifelines = importlib.import_module("lifelines")
KaplanMeierFitter = lifelines.KaplanMeierFitter
median_survival_times = importlib.import_module("lifelines.utils").median_survival_times

HERE = Path(__file__).resolve().parent
MONTHS = 30

rng = np.random.default_rng(20190801)
rows = []
for group, n, p in (("gammelt", 240, 0.12), ("nytt", 160, 0.16)):
    duration = rng.geometric(p, n)
    spike = rng.random(n) < 0.15  # exits at 6 and 12 months, as the 3-monthly reports give
    duration[spike] = rng.choice([6, 12], spike.sum())
    censored = rng.random(n) < 0.15
    rows.append(pd.DataFrame({"group": group, "duration": duration,
                              "duration_censored": censored}))
sample = pd.concat(rows, ignore_index=True)
sample.to_csv(HERE / "km_sample.csv", index=False)

out = []
for group, g in sample.groupby("group", sort=False):
    kmf = KaplanMeierFitter(alpha=0.05).fit(g["duration"], ~g["duration_censored"])
    months = np.arange(MONTHS + 1)
    survival = kmf.survival_function_at_times(months).to_numpy()
    band = kmf.confidence_interval_survival_function_
    band = band.reindex(band.index.union(months)).ffill().loc[months]
    out.append(pd.DataFrame({"group": group, "month": months, "survival": survival,
                             "lower": band.iloc[:, 0].to_numpy(),
                             "upper": band.iloc[:, 1].to_numpy()}))
    interval = median_survival_times(kmf.confidence_interval_).iloc[0]
    out.append(pd.DataFrame({"group": [group], "month": [-1],
                             "survival": [kmf.median_survival_time_],
                             "lower": [interval.iloc[0]], "upper": [interval.iloc[1]]}))
table = pd.concat(out, ignore_index=True)
table.to_csv(HERE / "km_lifelines.csv", index=False, float_format="%.12g")
print(f"lifelines {lifelines.__version__}: {len(sample)} persons, {len(table)} rows")
