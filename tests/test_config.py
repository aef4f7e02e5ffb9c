"""Configuration from the environment."""

import pytest

from eventsite import create_app
from eventsite.config import Config, ConfigError


def test_defaults():
    config = Config({})
    assert config.DISPLAY_TIMEZONES == ["America/New_York", "America/Los_Angeles",
                                        "Europe/London", "Europe/Paris"]
    assert config.ZONE_LABELS == {} and config.SITE_NAME == "eventsite"


def test_zones_and_labels_from_the_environment():
    config = Config({"DISPLAY_TIMEZONES": "Asia/Shanghai,  Europe/Berlin",
                     "ZONE_LABELS": "Asia/Shanghai=Beijing, Asia/Kolkata = India",
                     "SITE_NAME": "IMG events", "SITE_URL": "https://events.example/"})
    assert config.DISPLAY_TIMEZONES == ["Asia/Shanghai", "Europe/Berlin"]
    assert config.ZONE_LABELS == {"Asia/Shanghai": "Beijing", "Asia/Kolkata": "India"}
    assert config.SITE_URL == "https://events.example"


@pytest.mark.parametrize("environ,message", [
    ({"DISPLAY_TIMEZONES": "Europe/Paris, Moon/Base"}, "DISPLAY_TIMEZONES: “Moon/Base”"),
    ({"ZONE_LABELS": "Asia/Shanghai"}, "should look like Asia/Shanghai=Beijing"),
    ({"ZONE_LABELS": "Nowhere/X=Y"}, "ZONE_LABELS: “Nowhere/X”"),
])
def test_bad_settings_fail_at_start_with_a_clear_message(environ, message):
    with pytest.raises(ConfigError, match=message):
        Config(environ)


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    first = create_app().config["SECRET_KEY"]
    second = create_app().config["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert create_app().config["SECRET_KEY"] == "from-the-environment"


def test_sqlite_in_the_instance_folder_by_default(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'eventsite.sqlite3'}"
    assert app.debug is False
