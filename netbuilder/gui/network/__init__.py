"""Views of the network: stack, cards, palette, properties, summary and code."""
