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

# %% tags=["parameters"]
# Parameters: the whole interface of this notebook. Set params_file to a group's params
# file to make its handout (spiegelkit run does: -p params_file params/<group>.yaml); the
# values below it then come from that file, except focus_agb. Without params_file the values
# below are the group (papermill -f params/<group>.yaml), here the demo group
# params/hagro-amstelveen-noord.yaml; its meeting records are then read from params/.
params_file: str = None  # path of a group's params YAML (its data and meetings/ are found from there); None: the values below
group_id: str = "hagro-amstelveen-noord"  # slug (a-z, 0-9, -), becomes the folder outputs/<group_id>/
group_name: str = "Hagro Amstelveen-Noord"  # shown on the cover of the handout
group_type: str = "hagro"  # hagro | fto | dto | zorggroep
meeting_number: int = 1  # which meeting of the year this is (1, 2, 3, ...)
meeting_date: str = "2026-02-10"  # date of the meeting, ISO text "YYYY-MM-DD"
data_year: int = 2024  # report year of the mirrors discussed (claims lag 1-2 years)
data_dir: str = "demo"  # demo: the bundled demo data; otherwise the absolute path of a data folder
facilitators: list = ["Anna de Vries", "Bram Jansen"]  # names of the facilitators, shown on the cover
practices: list = [{"agb": "01651265", "note": "Veel studenten ingeschreven", "participants": ["Wouter Koster", "Pieter Yildiz"]}, {"agb": "01730167", "participants": ["Femke Schouten"]}, {"agb": "01991195", "participants": ["Marloes Brouwer", "Fatma Bakker"]}, {"agb": "01203236", "participants": ["Ruud Koster", "Nadia de Graaf"]}]  # per practice its AGB code (8 digits, text), an optional note and participants
options: dict = {"confidence": 0.95, "pseudonymise": False, "talking_points": 4, "pinned": [], "dropped": [], "significance": "overdispersion"}  # interval level 0.95 or 0.998; hide others as Praktijk A, B; talking points to preselect (3-5), pinned or dropped indicator ids; marks against the spread between practices (overdispersion) or chance alone (poisson)
focus_agb: str = None  # AGB code of the practice a per-practice version is for; None for the group handout
mirror_cutoff: str = None  # practices taken over after this date (YYYY-MM-DD) have no mirror; None if unknown
agenda: list = []  # own agenda as a list of dicts with title, minutes and note; empty: made from the talking points
organisation: str = None  # insurer and ROS file (names, tariffs, conditions), absolute path; None: the kit's default

# %%
from spiegelkit.render.handout import Handout

handout = Handout.from_notebook(globals())
handout.cover()

# %%
handout.lookback()

# %%
handout.agenda()

# %% [markdown]
# ## Wie zitten er aan tafel?
#
# De opbouw naar leeftijd en geslacht verklaart veel verschillen in zorggebruik. Daarom vergelijken we elke praktijk met wat u bij háár populatie mag verwachten.

# %%
handout.population()

# %% [markdown]
# ## Overzicht
#
# Alle indicatoren in één oogopslag: eerst de praktijken naast elkaar, dan per praktijk haar plaats tussen de praktijken in de regio.

# %%
handout.no_mirror_note()

# %%
handout.overview()

# %% [markdown]
# ## Gespreksonderwerpen
#
# De opvallendste overeenkomsten en verschillen, als vraag aan de groep. De begeleiders kunnen onderwerpen vastzetten of laten vallen.

# %%
handout.talking_points()

# %% [markdown]
# ## Per domein
#
# Per domein de cijfers, de marges, de trechters tegen het landelijke beeld en de trend over de jaren.

# %%
handout.domains()

# %% [markdown]
# ## Kosten en opslag

# %%
handout.costs()

# %% [markdown]
# ## Afspraken
#
# Vul tijdens de bijeenkomst in; de begeleiders nemen de afspraken op in het verslag.

# %%
handout.agreements_form()

# %%
handout.attendance()

# %%
handout.obligations()

# %% [markdown]
# ## Bijlage: cijfers en methode

# %%
handout.appendix()
