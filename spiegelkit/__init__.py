"""spiegelkit: prepare and lead Praktijkspiegel peer meetings of Dutch general practices."""

__version__ = "0.1.0"
