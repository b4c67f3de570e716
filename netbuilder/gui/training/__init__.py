"""Views of training: settings panel, live curves, evaluation and run history."""
