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
# # Rekenhulpen: opslag, begeleiding en zorgkosten
#
# Twee rekenhulpen voor de voorbereiding van spiegelbijeenkomsten. Kies in JupyterLab **Run > Run All Cells**; daarna kunt u de getallen aanpassen en rekenen de tabellen en de grafiek direct mee. De beginwaarden staan in de eerste codecel.

# %% tags=["parameters"]
# Parameters: the whole interface of this notebook (papermill -p NAME VALUE replaces them).
list_sizes: list = [2095, 3500, 5200]  # registered patients per practice, 3 to 5 practices (not used with params_file)
meetings: int = 3  # meetings per year (the module Praktijkspiegel asks for at least 3)
supplement_per_patient: float = 0.80  # supplement in euro per registered patient per year (Zilveren Kruis)
fee_per_practice: float = 50.0  # facilitation fee in euro per practice per meeting (Elaa)
fee_per_patient: float = 0.05  # facilitation fee in euro per registered patient per meeting (Elaa)
params_file = None  # path of a group's params YAML: start from its practices; None: list_sizes and the demo groups
indicator: str = "kosten_farmacie"  # care-cost what-if: indicator id to start with (spiegelkit/data/indicators.yaml)
target: str = "median"  # care-cost what-if: median (the group's median index) or national (index 100)

# %%
from spiegelkit.jupyter import widgets

# %% [markdown]
# ## Opslag tegenover kosten van begeleiding
#
# Een praktijk met de module Praktijkspiegel van Zilveren Kruis krijgt per ingeschreven patiënt per jaar een opslag (€ 0,80). Daarvoor houdt de praktijk minstens drie spiegelbijeenkomsten per jaar. Laat de groep die bijeenkomsten begeleiden door een ROS zoals Elaa, dan kost dat per bijeenkomst € 50 per praktijk plus € 0,05 per ingeschreven patiënt. Voor een normpraktijk van 2.095 patiënten: € 1.676,00 opslag per jaar, € 154,75 begeleiding per bijeenkomst, € 464,25 voor drie bijeenkomsten.
#
# Vul hieronder het aantal ingeschreven patiënten per praktijk in, het aantal bijeenkomsten en de tarieven van dit contractjaar. De tabel laat per praktijk en voor de groep zien wat er van de opslag overblijft; de grafiek zet opslag en begeleiding naast elkaar, ook naar praktijkgrootte.

# %%
widgets.costs_calculator(list_sizes, meetings, supplement_per_patient, fee_per_practice,
                         fee_per_patient, params_file=params_file)

# %% [markdown]
# ## Wat als een index naar het midden van de groep gaat?
#
# Voor de kosten- en volume-indicatoren: hoe groot is het verschil per jaar tussen elke praktijk en de mediaan van de groep, of tussen de praktijk en 100 (zoals verwacht bij deze populatie)? Kies een groep, een indicator en een doel. De uitkomst is een **bandbreedte, geen beloofde besparing**: verschillen hebben vaak een goede reden, en het toeval speelt mee. Gebruik de tabel als vraag voor het gesprek in de groep.

# %%
widgets.care_cost_calculator(params_file, indicator, target)
