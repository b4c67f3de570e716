"""Modal dialogs: choosing a template, reconciling weights."""
