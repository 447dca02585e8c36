"""Every place spiegelkit reads from or writes to by default, in one module.

Paths inside the package (bundled data, templates) work after a plain ``pip install``;
paths of the project (notebooks, params) are those of the source checkout.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
PROJECT = PACKAGE.parent  # the source checkout: notebooks/, params/, outputs/

DATA = PACKAGE / "data"
DEMO_DATA = DATA / "demo"
DEFAULT_CATALOGUE = DATA / "indicators.yaml"
DEFAULT_ORGANISATION = DATA / "organisation.yaml"  # the insurer and the ROS: the seeds' figures
NATIONAL_POPULATION = DATA / "vektis2015_national_population.csv"

TEMPLATES = PACKAGE / "render" / "templates"
FRAGMENTS = TEMPLATES / "fragments"
NBCONVERT_TEMPLATES = TEMPLATES / "nbconvert"

NOTEBOOKS = PROJECT / "notebooks"
GROUP_NOTEBOOK = NOTEBOOKS / "group_mirror.ipynb"
PROJECT_PARAMS = PROJECT / "params"
OUTPUTS = Path("outputs")  # relative: outputs/ of the folder spiegelkit runs in
