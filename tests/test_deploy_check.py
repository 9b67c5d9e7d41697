import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_check(**env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = run_check(
        DEBUG="false",
        SECRET_KEY="k3X9-production-like-secret-with-more-than-fifty-characters-abcdefghij",
        ALLOWED_HOSTS="pointbook.example.jp",
        EMAIL_URL="smtp+tls://pointbook:secret@smtp.example.jp:587",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_production_refuses_the_development_secret():
    result = run_check(DEBUG="false", ALLOWED_HOSTS="pointbook.example.jp")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
