"""deckgen: turn YAML card definitions into an Anki deck (.apkg) through Jinja templates."""

__version__ = "0.1.0"
