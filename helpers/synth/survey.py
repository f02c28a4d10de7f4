"""Component 7, survey: the job-specialist survey (`sporreundersokelse`) and its codebook.

Reads `structure` and `persons`; adds `sporreundersokelse` (one row per respondent) and
`sporreundersokelse_kodebok` (one row per question, QUESTIONS below). Parameters
`sporreundersokelse`; every number is documented there.

1. Respondents. Three groups: "2015" (the old programmes in the SE-trial service areas,
   `sammenlignbart_omrade` true), "2019" (the new Oppfølging in the same areas, true) and
   the rest of the national 2019 sample ("landet" is the national total, the 2019 group
   included; false). The SE areas lie in the SE-NAV trial's counties. Each respondent
   works for a listed provider of the group's period (old providers in 2015, new in 2019)
   and type skjermet, kommersiell or ideell, drawn with probability proportional to 1 + the
   provider's entrants (stream `provider.<group>`); in 2019 the respondents are first
   split between sheltered (+ non-profit) and commercial providers in the proportions of
   `leverandortype_2019`. `leverandortype` is what the respondent reports: the register's
   type, except that 2019 respondents at sheltered providers are picked at random
   (`self_report`) until the national 'ideell' share is met (most who answered ideell work
   for providers the register has as sheltered).
2. Answers. For each question and group the answer distribution is met exactly up to
   whole respondents (largest remainders; "landet" targets the national total, so the
   rest of the sample gets national counts minus the 2019 group's). Who gets which answer
   follows a latent score per respondent, `ladning x z + e` for practice questions (z the
   provider's practice score, structure.py) and `e` otherwise (e ~ N(0, 1), stream
   `answer.<question>`): kategori answers go by rank of the score (Question.practice +1:
   a higher score gives a later category, -1 an earlier one); antall answers are
   exp(sigma x score), scaled to the group's total and rounded by largest remainders;
   flervalg ticks each category for the group's count of highest independent scores.
   A question not asked in a year is null for that year's respondents.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.contract import INT_DTYPE, PROVIDER_TYPES, STRING_DTYPE
from helpers.synth.persons import NEW, OLD, Persons
from helpers.synth.streams import Streams
from helpers.synth.structure import NEW_PERIOD, OLD_PERIOD, Structure

GROUPS = ("2015", "2019", "landet")
YEAR = {"2015": 2015, "2019": 2019, "landet": 2019}
SHELTERED, COMMERCIAL, NONPROFIT = (PROVIDER_TYPES.index(t) for t in ("skjermet", "kommersiell", "ideell"))

OFTEN = ("Ofte", "Av og til", "Sjelden", "Aldri")
YES_NO = ("Ja", "Nei")
PHASES = {"oppstart": "i oppstartfasen", "jobbsoking": "i jobbsøkingsfasen",
          "arbeid_forste": "de første par månedene i arbeid/praksis",
          "arbeid_senere": "etter noen måneder i arbeid/praksis"}
CHANNELS = {"mote": "møter ansikt til ansikt", "telefon": "på telefon", "melding": "på sms/e-post"}


@dataclass(frozen=True)
class Question:
    """One survey question (a column of sporreundersokelse, a row of the codebook)."""
    name: str
    text: str
    type: str                       # kategori, antall, flervalg
    categories: tuple[str, ...] = ()
    figure: str | None = None
    practice: int = 0               # +1/-1: answers follow the provider's practice score


def _topic(name: str, topic: str) -> Question:
    return Question(f"tema_{name}", "Hva er innholdet i disse møtene? Hvor ofte blir dette "
                    f"tatt opp: {topic}?", "kategori", OFTEN, "Figur 2.2")


QUESTIONS: tuple[Question, ...] = (
    Question("motefrekvens", "Hvor ofte har veilederne/jobbspesialistene i tiltaket møter seg "
             "imellom (inkludert telefonmøter)?", "kategori",
             ("Daglig", "Flere ganger i uka", "Én gang i uka", "Annenhver uke",
              "Én gang i måneden", "Sjeldnere", "Aldri"), "Figur 2.1"),
    _topic("deltakere", "problemstillinger knyttet til enkeltdeltakere"),
    _topic("jobbtips", "tips om jobbmuligheter og arbeidsmarkedet"),
    _topic("resultater", "resultater og mål"),
    _topic("metodikk", "metoder og verktøy i oppfølgingen"),
    _topic("nav", "samarbeidet med NAV"),
    _topic("arbeidsmiljo", "arbeidsmiljø og rutiner"),
    Question("utdanning", "Hva er din høyeste fullførte utdanning?", "kategori",
             ("Videregående skole eller lavere", "Fagskole",
              "Universitet/høyskole, bachelorgrad eller tilsvarende",
              "Universitet/høyskole, mastergrad eller tilsvarende"), "Figur 2.3"),
    Question("fagomrader", "Hvilke fagområder dekker utdanningen din?", "flervalg",
             ("Helsefag", "Sosialfag", "Pedagogikk", "Økonomi/administrasjon",
              "Samfunnsvitenskap", "Annet", "Markedsføring/kommunikasjon", "Personal/HR"),
             "Figur 2.4"),
    Question("erfaring", "Hvor har du din lengste tidligere arbeidserfaring?", "kategori",
             ("Privat næringsliv: salg/markedsføring", "Privat næringsliv: HR/personal",
              "Privat næringsliv: annet", "Offentlig sektor", "Ideell sektor", "Annet")),
    *(Question(f"fase_{phase}", "Angi hvor mange av deltakerne du følger opp som er i de "
               f"ulike fasene i dag: {label}.", "antall", figure="Figur 2.5")
      for phase, label in PHASES.items()),
    *(Question(f"kontakt_{phase}_{channel}", "Hvor ofte har du vanligvis kontakt med en "
               f"deltaker? Antall ganger per måned: {phase_label}, {channel_label}.",
               "antall", figure="Figur 2.6", practice=1)
      for phase, phase_label in PHASES.items() for channel, channel_label in CHANNELS.items()),
    Question("standardiserte_metoder", "Anvender du en eller flere standardiserte metoder "
             "eller samtaleverktøy i veiledningen av deltakerne?", "kategori", YES_NO,
             "Figur 2.7", practice=-1),
    Question("karriereverktoy", "Bruker du et eget verktøy for karriereprofil/yrkeskartlegging "
             "som du går gjennom sammen med deltakeren?", "kategori", YES_NO),
    Question("arbeidsgiverkontakter", "Tenk på en vanlig arbeidsuke. Hvor mange henvendelser "
             "gjør du normalt til arbeidsgivere for å finne frem til jobber for konkrete "
             "deltakere?", "kategori", ("0", "1–2", "3–5", "6–10", "Flere enn 10"),
             "Figur 2.8", practice=1),
    Question("oppfolging_etter_jobb", "Hvor lenge følger du vanligvis opp deltaker og "
             "arbeidsgiver etter at deltakeren har fått jobb?", "kategori",
             ("Under 3 måneder", "3–5 måneder", "6–11 måneder", "12 måneder eller mer"),
             practice=1),
    Question("team", "Er jobbspesialistene hos dere organisert i team?", "kategori",
             ("Ja, og jeg er teamleder", "Ja, vi har en teamleder", "Ja, uten teamleder", "Nei")),
)
BASE_COLUMNS = ["respondent_id", "aar", "tjenesteomrade", "fylke", "leverandor_id", "tiltak",
                "leverandortype", "sammenlignbart_omrade"]


def run(parameters: dict, streams: Streams, structure: Structure, persons: Persons) -> dict:
    """The survey component: adds sporreundersokelse and sporreundersokelse_kodebok."""
    spec = parameters["sporreundersokelse"]
    respondents = _respondents(spec, parameters["forsok"]["SE-NAV"]["fylker"], streams,
                               structure, persons)
    loading = float(spec["praksis_ladning"])
    z = structure.providers.practice[respondents["provider"]]
    columns = {}
    for question in QUESTIONS:
        score = streams.generator(f"answer.{question.name}").standard_normal(len(z))
        if question.practice:
            score = score + loading * z
        columns[question.name] = _answers(question, spec, respondents["group"], score, streams)
    survey = _base_table(respondents, structure)
    for question in QUESTIONS:
        survey[question.name] = columns[question.name]
    return {"sporreundersokelse": survey, "sporreundersokelse_kodebok": codebook()}


def codebook() -> pd.DataFrame:
    """The codebook: one row per question in QUESTIONS."""
    return pd.DataFrame({
        "sporsmal": pd.array([q.name for q in QUESTIONS], dtype=STRING_DTYPE),
        "tekst": pd.array([q.text for q in QUESTIONS], dtype=STRING_DTYPE),
        "type": pd.array([q.type for q in QUESTIONS], dtype=STRING_DTYPE),
        "kategorier": pd.array([";".join(q.categories) if q.categories else None
                                for q in QUESTIONS], dtype=STRING_DTYPE),
        "figur": pd.array([q.figure for q in QUESTIONS], dtype=STRING_DTYPE),
    })


def apportion(total: int, weights) -> np.ndarray:
    """Whole numbers in proportion to `weights` that add up to `total` (largest remainders)."""
    weights = np.clip(np.asarray(weights, dtype=float), 0, None)
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=np.int64)
    exact = total * weights / weights.sum()
    counts = np.floor(exact).astype(np.int64)
    remainder = exact - counts
    counts[np.argsort(-remainder, kind="stable")[:total - counts.sum()]] += 1
    return counts


def _respondents(spec: dict, trial_counties: list[str], streams: Streams,
                 structure: Structure, persons: Persons) -> pd.DataFrame:
    """Group, provider and self-reported type of every respondent (2015, 2019, rest)."""
    providers, counties = structure.providers, structure.counties
    n = {g: int(spec["respondenter"][g]) for g in GROUPS}
    se_county = np.isin(counties.code, trial_counties)
    listed = np.arange(providers.n_listed)
    county_of = np.full(providers.n_listed, -1)
    period_of = np.full(providers.n_listed, -1)
    for period in (OLD_PERIOD, NEW_PERIOD):
        slots = providers.slots[:, period]
        for c in range(len(counties)):
            ids = slots[c][slots[c] >= 0]
            county_of[ids], period_of[ids] = c, period
    entrants = np.zeros(providers.n_listed)
    mine = (persons.provider >= 0) & (persons.provider < providers.n_listed) & np.isin(
        persons.programme, (OLD, NEW))
    np.add.at(entrants, persons.provider[mine], 1)
    surveyed_type = np.isin(providers.type, (SHELTERED, COMMERCIAL, NONPROFIT))

    shares = spec["leverandortype_2019"]
    split = np.array([shares["skjermet"] + shares["ideell"], shares["kommersiell"]])
    plans = {  # group: [(providers eligible, respondents)]
        "2015": [(surveyed_type & (period_of == OLD_PERIOD) & se_county[county_of], n["2015"])]}
    national = apportion(n["landet"], split)
    in_se = apportion(n["2019"], split)
    for group, counts, where in (("2019", in_se, se_county[county_of]),
                                 ("landet", national - in_se, np.ones(len(listed), bool))):
        new = (period_of == NEW_PERIOD) & where
        plans[group] = [(new & np.isin(providers.type, (SHELTERED, NONPROFIT)), int(counts[0])),
                        (new & (providers.type == COMMERCIAL), int(counts[1]))]
    rows = []
    for group, plan in plans.items():
        chosen = []
        for part, (eligible, count) in enumerate(plan):
            ids = listed[eligible]
            weight = 1.0 + entrants[ids]
            pick = streams.generator(f"provider.{group}.{part}").choice(
                ids, size=count, replace=True, p=weight / weight.sum())
            chosen.append(pick)
        provider = np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, int)
        rows.append(pd.DataFrame({"group": group, "provider": provider}))
    respondents = pd.concat(rows, ignore_index=True)
    respondents["county"] = county_of[respondents["provider"]]
    reported = providers.type[respondents["provider"]].astype(np.int8)
    in_2019 = (respondents["group"] != "2015").to_numpy()
    target = int(apportion(n["landet"], [shares["ideell"], 1 - shares["ideell"]])[0])
    short = target - int((reported[in_2019] == NONPROFIT).sum())
    candidates = np.flatnonzero(in_2019 & (reported == SHELTERED))
    if short > 0 and len(candidates):
        order = streams.permutation("self_report", len(candidates))
        reported[candidates[order[:short]]] = NONPROFIT
    respondents["reported_type"] = reported
    return respondents


def _targets(spec: dict, question: Question, group: str, n: dict[str, int]):
    """The group's target: category counts (kategori, flervalg) or the answers' total
    (antall); None when the question was not asked that year. The rest of the national
    sample gets the national target minus the 2019 group's."""
    given = spec["svar"][question.name]

    def whole(g: str, size: int):
        values = given.get(g, given["2019"] if g == "landet" else None)
        if values is None:
            return None
        if question.type == "antall":
            return int(round(float(values) * size))
        if question.type == "flervalg":
            return np.round(np.asarray(values, dtype=float) * size).astype(np.int64)
        return apportion(size, values)

    if group != "landet":
        return whole(group, n[group])
    national, in_se = whole("landet", n["landet"]), whole("2019", n["2019"])
    if national is None:
        return None
    rest = n["landet"] - n["2019"]
    if question.type == "antall":
        return max(national - in_se, 0)
    counts = np.clip(national - in_se, 0, rest if question.type == "flervalg" else None)
    if question.type == "kategori" and counts.sum() != rest:
        counts = apportion(rest, counts if counts.sum() > 0 else np.ones(len(counts)))
    return counts


def _answers(question: Question, spec: dict, group: pd.Series, score: np.ndarray,
             streams: Streams) -> pd.array:
    """One question's answers for every respondent (see the module docstring)."""
    n = {g: int((group == g).sum()) for g in GROUPS}
    n["landet"] = int(spec["respondenter"]["landet"])
    n["2019"] = int((group == "2019").sum())
    size = len(group)
    values = np.full(size, None, dtype=object) if question.type != "antall" else np.full(size, -1)
    ticks = (streams.generator(f"answer.{question.name}.ticks").random((size, len(question.categories)))
             if question.type == "flervalg" else None)
    for g in GROUPS:
        rows = np.flatnonzero((group == g).to_numpy())
        target = _targets(spec, question, g, n)
        if target is None or not len(rows):
            continue
        if question.type == "kategori":
            order = rows[np.argsort(score[rows] * (question.practice or 1), kind="stable")]
            values[order] = np.repeat(np.asarray(question.categories, dtype=object), target)
        elif question.type == "antall":
            raw = np.exp(float(spec["spredning_antall"]) * score[rows])
            exact = raw * target / raw.sum()
            counts = np.floor(exact).astype(np.int64)
            counts[np.argsort(-(exact - counts), kind="stable")[:target - counts.sum()]] += 1
            values[rows] = counts
        else:
            chosen = np.zeros((len(rows), len(question.categories)), dtype=bool)
            for k, count in enumerate(target):
                chosen[np.argsort(ticks[rows, k], kind="stable")[:count], k] = True
            values[rows] = [";".join(c for c, on in zip(question.categories, row) if on) or None
                            for row in chosen]
    if question.type == "antall":
        return pd.array(np.where(values < 0, None, values).tolist(), dtype=INT_DTYPE)
    return pd.array(values.tolist(), dtype=STRING_DTYPE)


def _base_table(respondents: pd.DataFrame, structure: Structure) -> pd.DataFrame:
    """The survey's fixed columns (BASE_COLUMNS) for the respondents in order."""
    providers, counties = structure.providers, structure.counties
    group = respondents["group"].to_numpy()
    number = respondents.groupby("group").cumcount().to_numpy() + 1
    prefix = np.where(group == "2015", "J15-", np.where(group == "2019", "J19-", "J19-L"))
    county = counties.code[respondents["county"].to_numpy()]
    area = np.where(group == "landet", np.char.add(county.astype(str), "-landet"),
                    np.char.add(county.astype(str), "-SE"))
    return pd.DataFrame({
        "respondent_id": pd.array([f"{p}{k:04d}" for p, k in zip(prefix, number)], dtype=STRING_DTYPE),
        "aar": pd.array([YEAR[g] for g in group], dtype=INT_DTYPE),
        "tjenesteomrade": pd.array(area.tolist(), dtype=STRING_DTYPE),
        "fylke": pd.array(county.tolist(), dtype=STRING_DTYPE),
        "leverandor_id": pd.array(providers.id[respondents["provider"].to_numpy()].tolist(),
                                  dtype=STRING_DTYPE),
        "tiltak": pd.array(np.where(group == "2015", "gammelt", "nytt").tolist(), dtype=STRING_DTYPE),
        "leverandortype": pd.array([PROVIDER_TYPES[t] for t in respondents["reported_type"]],
                                   dtype=STRING_DTYPE),
        "sammenlignbart_omrade": (group != "landet"),
    })
