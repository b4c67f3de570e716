"""Controllers: turn user requests into changes of the session and drive the worker thread."""
