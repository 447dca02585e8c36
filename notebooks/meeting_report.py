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
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Verslag van een spiegelbijeenkomst
#
# Leg na de bijeenkomst vast wie er waren en tekenden, welke indicatoren zijn besproken, welke
# afspraken zijn gemaakt en welke andere zorgaanbieders hebben meegepraat. Het formulier bewaart
# één bestand per bijeenkomst: `params/meetings/<groep>/meeting-<n>.yaml`. U kunt dat bestand ook
# met de hand bewerken; `spiegelkit check` controleert het en `spiegelkit report` maakt er het
# verslag van.

# %% tags=["parameters"]
# Parameters: the whole interface of this notebook. Papermill can replace them
# (papermill notebooks/meeting_report.ipynb out.ipynb -p meeting_number 2); these defaults
# are the demo group in params/hagro-amstelveen-noord.yaml.
params_file = "../params/hagro-amstelveen-noord.yaml"  # the group's params file, relative to this notebook
meeting_number = 1  # the meeting to record and report (1, 2, 3, ...)
year = 2026  # the calendar year whose obligations are shown
out_dir = "../outputs"  # "Opslaan" also writes the verslag to <out_dir>/<group_id>/verslag-<n>.html

# %%
from spiegelkit.jupyter.meeting_form import MeetingForm
from spiegelkit.run.reports import obligations_preview, report_preview

MeetingForm(params_file, meeting_number, out_dir=out_dir)

# %% [markdown]
# ## Het verslag
#
# Zo ziet het verslag eruit. Hebt u net op **Opslaan** geklikt, voer deze cel dan opnieuw uit.

# %%
report_preview(params_file, meeting_number)

# %% [markdown]
# ## De verplichtingen van dit jaar
#
# Per praktijk: bijeenkomsten, verslagen, getekende lijsten en overleg met andere zorgaanbieders,
# geteld over alle groepen in `params/`, en wat er nog nodig is.

# %%
obligations_preview(params_file, year)
