"""The state of a window: the network document and the session around it."""
