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
meetings: int = None  # meetings per year; None: what the insurer's module asks for (the organisation file)
supplement_per_patient: str = None  # supplement in euro per registered patient per year, e.g. "0,80"; None: the insurer's (organisation file)
fee_per_practice: str = None  # facilitation fee in euro per practice per meeting; None: the ROS's (organisation file)
fee_per_patient: str = None  # facilitation fee in euro per registered patient per meeting; None: the ROS's (organisation file)
params_file = None  # path of a group's params YAML: start from its practices and organisation file; None: list_sizes, the kit's organisation and the demo groups
indicator: str = "kosten_farmacie"  # care-cost what-if: indicator id to start with (spiegelkit/data/indicators.yaml)
target: str = "median"  # care-cost what-if: median (the group's median index) or national (index 100)

# %%
from spiegelkit.jupyter import widgets

# %% [markdown]
# ## Opslag tegenover kosten van begeleiding
#
# Een praktijk met de module van de zorgverzekeraar krijgt per ingeschreven patiënt per jaar een opslag. Daarvoor houdt de praktijk een aantal spiegelbijeenkomsten per jaar. Laat de groep die bijeenkomsten begeleiden door een ROS, dan kost dat per bijeenkomst een vast bedrag per praktijk plus een bedrag per ingeschreven patiënt. Namen en tarieven komen uit het organisatiebestand van de groep (zonder groep: `spiegelkit/data/organisation.yaml`); de tabel hieronder noemt ze.
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
