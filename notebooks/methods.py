# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Hoe komt een index tot stand? Eén indicator met de hand nagerekend
#
# Het hand-out van een spiegelbijeenkomst zet elke praktijk naast *wat u bij haar patiënten mag
# verwachten*, als index (100 = zoals verwacht) met een marge door toeval. Dit notebook laat zien
# waar die getallen vandaan komen. We nemen **één praktijk en één indicator** en rekenen alles stap
# voor stap uit met gewone tabelbewerkingen (pandas) en de standaardverdelingen van scipy: geen
# rekenwerk van spiegelkit zelf. Pas in de laatste stap vragen we spiegelkit om dezelfde cijfers en
# zetten we ze naast de handberekening; de cel stopt met een foutmelding als ze verschillen.
#
# Wilt u een andere praktijk, indicator of jaar narekenen? Pas de parameters hieronder aan, of draai
# het notebook met papermill, bijvoorbeeld
# `papermill notebooks/methods.ipynb uit.ipynb -r agb 01730167 -p indicator fluorchinolonen -p data_year 2023`
# (`-r` houdt de AGB-code als tekst, met de voorloopnul).

# %% tags=["parameters"]
# Parameters: the whole interface of this notebook (papermill -p / -r NAME VALUE replaces them).
params_file = "../params/hagro-amstelveen-noord.yaml"  # the group's params file: absolute, or relative to notebooks/
agb = "01651265"  # AGB code of the practice worked through (8 digits, as text); must be in the group
indicator = "antibiotica"  # catalogue id of a count indicator (statistic proportion or rate)
cost_indicator = "kosten_huisartsenzorg"  # catalogue id of a cost indicator, for step 10
data_year = 2024  # report year of the mirror

# %% [markdown]
# ## Voorbereiding
#
# We lezen de groep (het params-bestand) en de tabellen van haar gegevensmap: precies de tabellen
# die spiegelkit ook gebruikt. De groep bepaalt ook het betrouwbaarheidsniveau (95% of 99,8%).

# %%
from pathlib import Path

import numpy as np
import pandas as pd
from IPython.display import display
from scipy.stats import chi2, norm, rankdata

from spiegelkit import dutch
from spiegelkit.analysis.compare import compare_group
from spiegelkit.inputs.dataset import load_data
from spiegelkit.inputs.params import load_params
from spiegelkit.inputs.problems import raise_for_errors
from spiegelkit.dutch import significance_wording
from spiegelkit.stats import OUTER_CONFIDENCE
from spiegelkit.inputs.tables import AGE_BANDS

params, problems = load_params(Path(params_file))
raise_for_errors(problems)
data = load_data(params.data_path(Path(params_file).parent))
catalogue = data.catalogue.set_index("id")
group_agbs = [practice.agb for practice in params.practices]
if agb not in group_agbs:
    raise ValueError(f"praktijk {agb} hoort niet bij de groep in {params_file}; kies uit {group_agbs}")
if catalogue.statistic.get(indicator) not in ("proportion", "rate"):
    raise ValueError(f"indicator {indicator!r} is geen telling (proportion of rate) in de catalogus; "
                     "een kostenindicator hoort in cost_indicator")
if catalogue.statistic.get(cost_indicator) != "cost":
    raise ValueError(f"cost_indicator {cost_indicator!r} is geen kostenindicator in de catalogus")
in_mirror = data.mirror.loc[(data.mirror["agb"] == agb) & (data.mirror["year"] == data_year), "indicator"]
if {indicator, cost_indicator} - set(in_mirror):
    raise ValueError(f"de spiegel van {agb} heeft voor {data_year} geen cijfer voor "
                     f"{sorted({indicator, cost_indicator} - set(in_mirror))}")

confidence = params.options.confidence
print(f"Praktijk: {data.practices.set_index('agb').at[agb, 'name']} ({agb})")
print(f"Indicator: {catalogue.at[indicator, 'title']} ({indicator}), gegevensjaar {data_year}")
print(f"Wat telt: {catalogue.at[indicator, 'measures']}")
print(f"Betrouwbaarheidsniveau van de groep: {confidence * 100:g}%".replace(".", ","))

# %% [markdown]
# ## Stap 1. De patiënten van de praktijk, naar leeftijd en geslacht
#
# Een praktijk met veel ouderen krijgt meer voorschriften en verwijzingen dan een praktijk met veel
# studenten, ook als beide precies hetzelfde werken. Daarom tellen we eerst hoeveel patiënten de
# praktijk heeft in elke leeftijdsgroep van vijf jaar, voor mannen (M) en vrouwen (V) apart. Zo'n
# combinatie van leeftijdsgroep en geslacht heet een *stratum*.

# %%
is_practice_year = (data.population["agb"] == agb) & (data.population["year"] == data_year)
patients = data.population.loc[is_practice_year, ["age_band", "sex", "patients"]]
print(f"{dutch.number(patients['patients'].sum())} patiënten in {len(patients)} strata")
patients.pivot(index="age_band", columns="sex", values="patients").reindex(AGE_BANDS)

# %% [markdown]
# ## Stap 2. Het landelijke cijfer per stratum
#
# De landelijke referentietabel geeft voor elk stratum het cijfer van heel Nederland: bij een
# *proportie* de kans dat een patiënt in dat stratum in het jaar minstens één keer meetelt (zie
# "Wat telt" hierboven), bij een *rate* het gemiddelde aantal per patiënt per jaar.

# %%
is_indicator_year = (data.reference["indicator"] == indicator) & (data.reference["year"] == data_year)
rates = data.reference.loc[is_indicator_year, ["age_band", "sex", "rate"]]
rates.pivot(index="age_band", columns="sex", values="rate").reindex(AGE_BANDS)

# %% [markdown]
# ## Stap 3. Verwacht aantal: patiënten × landelijk cijfer, opgeteld
#
# We koppelen de twee tabellen op de sleutel *leeftijdsgroep + geslacht*, nooit op de volgorde van
# de rijen. Per stratum is het verwachte aantal *patiënten × landelijk cijfer*; de som over alle
# strata is wat u bij deze praktijk zou zien als haar patiënten zich gedroegen als gemiddeld in
# Nederland. Dit heet *indirecte standaardisatie*.

# %%
strata = patients.merge(rates, on=["age_band", "sex"], how="inner", validate="one_to_one")
strata["expected"] = strata["patients"] * strata["rate"]
standardised = strata["expected"].sum()
print(f"{len(strata)} strata gekoppeld; verwacht aantal = {dutch.number(standardised, 2)}")
strata

# %% [markdown]
# ## Stap 4. Het waargenomen aantal uit de spiegel
#
# De spiegel geeft het waargenomen aantal (patiënten met minstens één, of het aantal
# gebeurtenissen) en de noemer (de ingeschreven patiënten). Geeft de spiegel zelf een verwacht
# aantal, dan gebruikt spiegelkit dat: de bron kan met meer kenmerken rekening houden dan leeftijd
# en geslacht. Alleen als het ontbreekt, geldt het verwachte aantal uit stap 3.

# %%
is_row = ((data.mirror["agb"] == agb) & (data.mirror["year"] == data_year)
          & (data.mirror["indicator"] == indicator))
[row] = data.mirror.loc[is_row].to_dict("records")  # exactly one row per practice, year, indicator
observed, denominator = float(row["observed"]), float(row["denominator"])
from_source = pd.notna(row["expected"])
expected = float(row["expected"]) if from_source else standardised
expected_source = "bron" if from_source else "standaardisatie"
multiplier, unit = catalogue.at[indicator, "multiplier"], catalogue.at[indicator, "unit"]
pd.Series({
    "waargenomen aantal": observed,
    "noemer (patiënten)": denominator,
    "verwacht aantal": expected,
    "verwacht volgens": expected_source,
    f"waargenomen ({unit})": observed / denominator * multiplier,
    f"verwacht ({unit})": expected / denominator * multiplier,
}, name=indicator)

# %% [markdown]
# ## Stap 5. De index
#
# **index = waargenomen / verwacht × 100.** Een index van 100 betekent: precies zoveel als u bij
# deze patiënten verwacht; 120 betekent 20% meer, 80 betekent 20% minder.

# %%
index = observed / expected * 100
print(f"index = {dutch.number(observed)} / {dutch.number(expected, 2)} × 100 = {dutch.number(index, 1)}")

# %% [markdown]
# ## Stap 6. De marge door toeval: het betrouwbaarheidsinterval
#
# Ook een praktijk die precies gemiddeld werkt, ziet het aantal van jaar tot jaar schommelen door
# toeval. We behandelen het waargenomen aantal *x* als een Poisson-telling, berekenen daar een
# betrouwbaarheidsinterval omheen en delen de grenzen door het verwachte aantal (dat we als vast
# nemen: het komt uit landelijke cijfers over miljoenen patiënten).
#
# * **Minder dan 10 gebeurtenissen: exacte grenzen (Garwood)** uit de chi-kwadraatverdeling:
#   ondergrens = χ²(α/2; 2x) / 2 en bovengrens = χ²(1 − α/2; 2x + 2) / 2, met ondergrens 0 als
#   x = 0. Hier is α = 1 − betrouwbaarheid (0,05 bij 95%).
# * **Vanaf 10 gebeurtenissen: de benadering van Byar**, dan binnen ongeveer 0,2% van de exacte
#   grenzen: ondergrens = x · (1 − 1/(9x) − z/(3√x))³ en
#   bovengrens = (x + 1) · (1 − 1/(9(x + 1)) + z/(3√(x + 1)))³, met z het normale kwantiel
#   (1,96 bij 95%).
#
# Zo rekenen ook PHE Fingertips en het R-pakket PHEindicatormethods. We rekenen op twee niveaus:
# dat van de groep en 99,8% (ongeveer drie standaardfouten), voor de *duidelijke* verschillen. De
# exacte grenzen staan er altijd bij, zodat u ziet hoe dicht Byar erbij ligt.

# %%
levels = np.array([confidence, OUTER_CONFIDENCE])  # the group's level, and 99.8%
tail = (1 - levels) / 2  # alpha / 2 on each side
z = norm.ppf(1 - tail)  # 1.96 at 95%, 3.09 at 99.8%
x = observed
exact_lower = chi2.ppf(tail, 2 * x) / 2 if x > 0 else np.zeros(2)
exact_upper = chi2.ppf(1 - tail, 2 * x + 2) / 2
if x < 10:
    method = "exact Poisson (Garwood)"
    count_lower, count_upper = exact_lower, exact_upper
else:
    method = "Byar"
    count_lower = x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3
    count_upper = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * np.sqrt(x + 1))) ** 3
lower, upper = count_lower / expected * 100, count_upper / expected * 100
print(f"methode: {method} ({dutch.number(x)} gebeurtenissen)")
pd.DataFrame({
    "z": z,
    "exact: ondergrens aantal": exact_lower,
    "exact: bovengrens aantal": exact_upper,
    f"{method}: ondergrens aantal": count_lower,
    f"{method}: bovengrens aantal": count_upper,
    "ondergrens index": lower,
    "bovengrens index": upper,
}, index=[f"{level * 100:g}%".replace(".", ",") for level in levels]).T

# %% [markdown]
# ## Stap 7. Verschilt de praktijk van verwacht? Eerst: alleen toeval
#
# We vergelijken met 100 (zoals verwacht), zoals Fingertips dat doet:
#
# * ligt het hele 99,8%-interval boven 100: *duidelijk hoger dan verwacht*; eronder: *duidelijk
#   lager dan verwacht*;
# * anders, ligt het hele interval van de groep (95%) boven of onder 100: *hoger* of *lager dan
#   verwacht*;
# * bevat het interval 100: *vergelijkbaar met verwacht*;
# * bij minder dan 10 gebeurtenissen geen uitspraak: *te kleine aantallen*.
#
# De woorden zijn bewust neutraal: een verschil is een vraag voor de groep, geen oordeel.
#
# Dit toetst alleen *toeval*: zou een praktijk die precies gemiddeld werkt dit aantal kunnen
# halen? Bij grote aantallen is het antwoord bijna altijd nee, ook voor verschillen die tussen
# praktijken heel gewoon zijn. Stap 9 zet daarom de tekens van het hand-out tegen de echte
# spreiding tussen praktijken.

# %%
level_tag = f"{confidence * 100:g}".replace(".", "")  # 0.95 -> "95", as in the codes
if x < 10:
    significance = "small_numbers"
elif lower[1] > 100:
    significance = "higher_998"
elif upper[1] < 100:
    significance = "lower_998"
elif lower[0] > 100:
    significance = f"higher_{level_tag}"
elif upper[0] < 100:
    significance = f"lower_{level_tag}"
else:
    significance = "similar"
print(f"index {dutch.number(index, 1)} ({dutch.number(lower[0], 1)} tot {dutch.number(upper[0], 1)}): "
      f"{significance_wording(significance)}")

# %% [markdown]
# ## Stap 8. Dezelfde cijfers uit spiegelkit
#
# Nu rekent spiegelkit de hele groep door met `compare_group`, dezelfde functie waarmee het
# hand-out wordt gemaakt. We zetten de rij van deze praktijk naast de handberekening. De getallen
# moeten gelijk zijn tot op een relatief verschil van 10⁻⁹ (we tonen 12 decimalen); de woorden
# moeten precies gelijk zijn. Anders stopt de cel met een foutmelding.

# %% tags=["comparison"]
table = compare_group(data, params)
[package] = table.loc[(table["agb"] == agb) & (table["year"] == data_year)
                      & (table["indicator"] == indicator)].to_dict("records")
hand = {"expected": expected, "observed": observed, "index": index, "lower": lower[0],
        "upper": upper[0], "lower_998": lower[1], "upper_998": upper[1], "method": method,
        "significance_poisson": significance, "expected_source": expected_source}
comparison = pd.DataFrame({"met de hand": hand, "spiegelkit": {key: package[key] for key in hand}})
numbers = ["expected", "observed", "index", "lower", "upper", "lower_998", "upper_998"]
words = ["method", "significance_poisson", "expected_source"]
comparison["verschil"] = [abs(comparison.at[key, "met de hand"] - comparison.at[key, "spiegelkit"])
                          if key in numbers else "" for key in comparison.index]
assert np.allclose(comparison.loc[numbers, "met de hand"].astype(float),
                   comparison.loc[numbers, "spiegelkit"].astype(float), rtol=1e-9, atol=0), \
    "de handberekening en spiegelkit verschillen"
assert (comparison.loc[words, "met de hand"] == comparison.loc[words, "spiegelkit"]).all(), \
    "de handberekening en spiegelkit noemen een andere methode of uitkomst"
with pd.option_context("display.precision", 12):
    display(comparison)

# %% [markdown]
# ## Stap 9. Tegen de echte spreiding tussen praktijken
#
# Praktijken verschillen in werkelijkheid meer dan toeval alleen verklaart: door hun
# patiëntenmix, hun registratie, het aanbod in de buurt. Het hand-out zet een teken (▲/▼) daarom
# pas als de index ook buiten die gewone spreiding valt (Spiegelhalter, 2005, berekend zoals het
# R-pakket FunnelPlotR doet). De marge uit stap 6 blijft wat ze is: het interval van de praktijk
# zelf. Hoe groot de spreiding is, schatten we uit de praktijken in de gegevensmap, als het er
# minstens 20 zijn; anders komt ze als aanname uit de indicatorcatalogus.
#
# 1. Per praktijk (met spiegel) het waargenomen aantal O en het verwachte aantal E, zoals in de
#    stappen 3 en 4, en de **z-score z = √E · ln(O / E)**: hoeveel standaardfouten de praktijk van
#    100 af ligt, als alleen toeval telde.
# 2. De buitenste 10% aan beide kanten laten we weg (ze zouden de schatting opblazen): de
#    praktijken krijgen een rangnummer r van 1 tot n (gelijke z: het gemiddelde rangnummer) en
#    een groep ⌊10 r / (n + 1)⌋; we houden de groepen 1 tot en met 8.
# 3. **φ = het gemiddelde van z²** over die praktijken. Bij alleen toeval is φ ongeveer 1.
# 4. De spreiding tussen praktijken (DerSimonian-Laird): met gewicht w = E per praktijk is
#    **τ² = (n·φ − (n − 1)) / (Σw − Σw² / Σw)** (0 als dat negatief is). τ is ongeveer de
#    standaarddeviatie van ln(index/100) tussen praktijken, bovenop toeval.
# 5. De grenzen bij deze praktijk: **100 · e^(∓z·√(1/E + τ²))**, met z = 1,959964 (95%) en
#    3,090232 (99,8%), zoals FunnelPlotR. Is φ ≤ 1, dan is er geen extra spreiding en blijven de
#    tekens van stap 7.

# %%
with_mirror = set(data.practices.loc[data.practices["has_mirror"].astype(bool), "agb"])
region = data.mirror[(data.mirror["year"] == data_year) & (data.mirror["indicator"] == indicator)
                     & data.mirror["agb"].isin(with_mirror)].copy()
region_pop = data.population[data.population["year"] == data_year]
region_strata = region_pop.merge(rates, on=["age_band", "sex"], how="inner")
region_strata["expected"] = region_strata["patients"] * region_strata["rate"]
region_standardised = region_strata.groupby("agb")["expected"].sum()
region["E"] = region["expected"].astype(float).fillna(region["agb"].map(region_standardised))
region["O"] = region["observed"].astype(float)
n_region = len(region)
if n_region >= 20:
    region["z"] = np.sqrt(region["E"]) * np.log(region["O"] / region["E"])
    region["rank"] = rankdata(region["z"], method="average")
    region["group"] = np.floor(region["rank"] * 10 / (n_region + 1))
    kept = region[(region["group"] >= 1) & (region["group"] <= 8)]
    n_kept = len(kept)
    phi = float((kept["z"] ** 2).mean())
    w = kept["E"]
    tau2 = max(0.0, (n_kept * phi - (n_kept - 1)) / (w.sum() - (w ** 2).sum() / w.sum()))
    spread_source = f"geschat uit {n_region} praktijken in de gegevensmap"
    adjusted = phi > 1
else:
    phi, n_kept = np.nan, 0
    tau2 = float(catalogue.at[indicator, "between_practice_sd"]) ** 2
    spread_source = "uit de indicatorcatalogus (een aanname)"
    adjusted = np.isfinite(tau2)
print(f"{n_region} praktijken met een spiegel; na het weglaten van de buitenste 10% aan beide kanten: {n_kept}")
print(f"φ = {dutch.number(phi, 2)}, τ² = {tau2:.6f}, τ = {dutch.number(np.sqrt(tau2), 3)} ({spread_source})")
z_funnel = np.array([1.959964 if confidence == 0.95 else 3.090232, 3.090232])
limit_half = z_funnel * np.sqrt(1 / expected + tau2)
limit_lower, limit_upper = 100 * np.exp(-limit_half), 100 * np.exp(limit_half)
if x < 10:
    significance_spread = "small_numbers"
elif not adjusted:
    significance_spread = significance  # no extra spread: the marks of step 7
elif index > limit_upper[1]:
    significance_spread = "higher_998"
elif index < limit_lower[1]:
    significance_spread = "lower_998"
elif index > limit_upper[0]:
    significance_spread = f"higher_{level_tag}"
elif index < limit_lower[0]:
    significance_spread = f"lower_{level_tag}"
else:
    significance_spread = "similar"
print(f"grenzen bij E = {dutch.number(expected, 1)}: {dutch.number(limit_lower[0], 1)} tot "
      f"{dutch.number(limit_upper[0], 1)} en {dutch.number(limit_lower[1], 1)} tot "
      f"{dutch.number(limit_upper[1], 1)} (99,8%)")
print(f"index {dutch.number(index, 1)}: alleen toeval: {significance_wording(significance)}; "
      f"tegen de spreiding tussen praktijken: {significance_wording(significance_spread)}")

# %% [markdown]
# En weer naast spiegelkit (`compare_group` zet deze tekens in het hand-out; de kolommen `phi`,
# `tau2` en `limit_*` laten zien waarmee).

# %% tags=["spread-comparison"]
spread_hand = {"phi": phi, "tau2": tau2, "limit_lower": limit_lower[0], "limit_upper": limit_upper[0],
               "limit_lower_998": limit_lower[1], "limit_upper_998": limit_upper[1],
               "significance": significance_spread}
spread_comparison = pd.DataFrame({"met de hand": spread_hand,
                                  "spiegelkit": {key: package[key] for key in spread_hand}})
spread_numbers = [key for key in spread_hand if key != "significance"
                  and np.isfinite(float(spread_hand[key]))]
spread_comparison["verschil"] = [
    abs(spread_comparison.at[key, "met de hand"] - spread_comparison.at[key, "spiegelkit"])
    if key in spread_numbers else "" for key in spread_comparison.index]
if x >= 10 and adjusted:
    assert np.allclose(spread_comparison.loc[spread_numbers, "met de hand"].astype(float),
                       spread_comparison.loc[spread_numbers, "spiegelkit"].astype(float),
                       rtol=1e-9, atol=0), "de handberekening en spiegelkit verschillen"
assert spread_comparison.at["significance", "met de hand"] == package["significance"], \
    "de handberekening en spiegelkit zetten een ander teken"
with pd.option_context("display.precision", 12):
    display(spread_comparison)

# %% [markdown]
# ## Stap 10. Een kostenindicator: een andere marge
#
# Kosten zijn geen tellingen: de meeste patiënten kosten weinig, een enkeling duizenden euro's. Een
# Poisson-interval past daarom niet. Het verwachte bedrag berekenen we wel net zo (stappen 1 tot en
# met 4, nu met landelijke euro's per patiënt per stratum), en de index ook.
#
# Voor de marge ziet spiegelkit de kosten van de praktijk als de som van de jaarkosten van *n*
# patiënten. Volgens de centrale limietstelling is zo'n som bij benadering normaal verdeeld, met
# een relatieve standaardfout van **CV / √n**. De *variatiecoëfficiënt* CV (standaarddeviatie
# gedeeld door het gemiddelde van de kosten per persoon) zegt hoe scheef de kosten verdeeld zijn:
# rond 1,5 voor huisartsenzorg, waar iedereen het inschrijftarief kost, en rond 10 voor de GGZ,
# waar weinig mensen veel kosten. Hij staat per kostenindicator in de indicatorcatalogus
# (`cost_cv`), met zijn onderbouwing; het is een aanname, geen meting bij deze praktijk.
#
# **grenzen = index × (1 ∓ z · CV / √n)**, met de ondergrens niet onder 0. Een grotere CV of een
# kleinere praktijk geeft een bredere marge. Kleine aantallen bestaan hier niet.

# %%
is_cost_year = (data.reference["indicator"] == cost_indicator) & (data.reference["year"] == data_year)
cost_strata = patients.merge(data.reference.loc[is_cost_year, ["age_band", "sex", "rate"]],
                             on=["age_band", "sex"], how="inner", validate="one_to_one")
cost_strata["expected"] = cost_strata["patients"] * cost_strata["rate"]
is_cost_row = ((data.mirror["agb"] == agb) & (data.mirror["year"] == data_year)
               & (data.mirror["indicator"] == cost_indicator))
[cost_row] = data.mirror.loc[is_cost_row].to_dict("records")
cost_observed, persons = float(cost_row["observed"]), float(cost_row["denominator"])
cost_from_source = pd.notna(cost_row["expected"])
cost_expected = float(cost_row["expected"]) if cost_from_source else cost_strata["expected"].sum()
cost_cv = catalogue.at[cost_indicator, "cost_cv"]
cost_index = cost_observed / cost_expected * 100
margin = z * cost_cv / np.sqrt(persons)  # relative half-width, at both levels
cost_lower, cost_upper = np.maximum(cost_index * (1 - margin), 0), cost_index * (1 + margin)
cost_method = f"normal approximation, CV {float(cost_cv)}"
print(f"{catalogue.at[cost_indicator, 'title']}: waargenomen {dutch.euro(cost_observed)}, "
      f"verwacht {dutch.euro(cost_expected)} ({'bron' if cost_from_source else 'standaardisatie'})")
print(f"index {dutch.number(cost_index, 1)}; CV {dutch.number(cost_cv, 1)}, {dutch.number(persons)} patiënten")
pd.DataFrame({"z": z, "z · CV / √n": margin, "ondergrens index": cost_lower,
              "bovengrens index": cost_upper},
             index=[f"{level * 100:g}%".replace(".", ",") for level in levels]).T

# %% [markdown]
# De vergelijking met 100 gaat als in stap 7, zonder de regel voor kleine aantallen (de tekens
# van het hand-out zetten ook hier de spreiding tussen praktijken ertegen, zoals in stap 9, met
# patiënten / CV² in plaats van E). Daarna weer naast spiegelkit.

# %% tags=["cost-comparison"]
if cost_lower[1] > 100:
    cost_significance = "higher_998"
elif cost_upper[1] < 100:
    cost_significance = "lower_998"
elif cost_lower[0] > 100:
    cost_significance = f"higher_{level_tag}"
elif cost_upper[0] < 100:
    cost_significance = f"lower_{level_tag}"
else:
    cost_significance = "similar"
[cost_package] = table.loc[(table["agb"] == agb) & (table["year"] == data_year)
                           & (table["indicator"] == cost_indicator)].to_dict("records")
cost_hand = {"expected": cost_expected, "observed": cost_observed, "index": cost_index,
             "lower": cost_lower[0], "upper": cost_upper[0], "lower_998": cost_lower[1],
             "upper_998": cost_upper[1], "method": cost_method, "significance_poisson": cost_significance}
cost_comparison = pd.DataFrame({"met de hand": cost_hand,
                                "spiegelkit": {key: cost_package[key] for key in cost_hand}})
cost_comparison["verschil"] = [abs(cost_comparison.at[key, "met de hand"] - cost_comparison.at[key, "spiegelkit"])
                               if key in numbers else "" for key in cost_comparison.index]
assert np.allclose(cost_comparison.loc[numbers, "met de hand"].astype(float),
                   cost_comparison.loc[numbers, "spiegelkit"].astype(float), rtol=1e-9, atol=0), \
    "de handberekening en spiegelkit verschillen"
assert (cost_comparison.loc[["method", "significance_poisson"], "met de hand"]
        == cost_comparison.loc[["method", "significance_poisson"], "spiegelkit"]).all(), \
    "de handberekening en spiegelkit noemen een andere methode of uitkomst"
print(f"{dutch.number(cost_index, 1)} ({dutch.number(cost_lower[0], 1)} tot "
      f"{dutch.number(cost_upper[0], 1)}): {significance_wording(cost_significance)}")
with pd.option_context("display.precision", 12):
    display(cost_comparison)

# %% [markdown]
# ## Bronnen
#
# * Garwood F. Fiducial limits for the Poisson distribution. *Biometrika* 1936;28:437-442.
# * Breslow NE, Day NE. *Statistical methods in cancer research, volume II*. IARC, 1987 (methode van Byar).
# * Public Health England. *Fingertips technical guidance*; R-pakket PHEindicatormethods
#   (`calculate_ISRatio`): exact onder 10 gebeurtenissen, Byar vanaf 10; vergelijking met 95% en 99,8%.
# * Spiegelhalter DJ. Handling over-dispersion of performance indicators. *Qual Saf Health Care*
#   2005;14:347-351; R-pakket FunnelPlotR 0.6.0 (NHS-R Community): de spreiding tussen
#   praktijken en de trechtergrenzen van stap 9.
# * DerSimonian R, Laird N. Meta-analysis in clinical trials. *Control Clin Trials* 1986;7:177-188.
# * Thompson SG, Barber JA. How should cost data in pragmatic randomised trials be analysed?
#   *BMJ* 2000;320:1197-1200 (kosten: gemiddelde en normale benadering).
# * De onderbouwing van elke `cost_cv` staat in `spiegelkit/data/indicators.yaml`; de functies in
#   `spiegelkit/stats/` beschrijven elke methode met haar aannames.
