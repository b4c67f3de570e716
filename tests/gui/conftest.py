"""GUI test set-up: settings and recovery files in a temporary folder, never the user's."""

import pytest


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch):
    folder = tmp_path / "config"
    folder.mkdir()
    monkeypatch.setenv("NETBUILDER_CONFIG_DIR", str(folder))
    return folder
