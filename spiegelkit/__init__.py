"""spiegelkit: prepare and lead Praktijkspiegel peer meetings (spiegelbijeenkomsten).

The public face, loaded on first use so that ``import spiegelkit`` stays light::

    group = spiegelkit.load_group("params/hagro-voorbeeld.yaml")   # params, data, records
    spiegelkit.check_group(path).problems                          # what spiegelkit check says
    spiegelkit.Handout.build(group).cover()                        # one section as HTML
    spiegelkit.run_groups(paths)                                   # what spiegelkit run does

Every error spiegelkit reports to its user is a :class:`SpiegelkitError`.
"""

from importlib import import_module

from spiegelkit.errors import SpiegelkitError

__version__ = "0.1.0"
_PUBLIC = {
    "load_group": "spiegelkit.inputs.group",
    "open_group": "spiegelkit.inputs.group",
    "Group": "spiegelkit.inputs.group",
    "InputError": "spiegelkit.inputs.problems",
    "check_group": "spiegelkit.run.check",
    "run_groups": "spiegelkit.run.batch",
    "Handout": "spiegelkit.render.handout",
}
__all__ = ["SpiegelkitError", *_PUBLIC]


def __getattr__(name: str):
    if name in _PUBLIC:
        return getattr(import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'spiegelkit' has no attribute {name!r}")
