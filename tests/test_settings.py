"""Deployment settings: refuse to start without a secret, and pass `check --deploy`."""

import os
import re
import subprocess
import sys

from django.conf import settings


def run_check(env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )


def test_production_settings_pass_check_deploy_but_for_https_proxy_choices():
    result = run_check(
        {"SECRET_KEY": "x" * 60 + "-production-like-key", "ALLOWED_HOSTS": "relief.example"}
    )

    # Left to the HTTPS proxy and the deployer: the redirect and HSTS preloading.
    assert set(re.findall(r"\((security\.W\d+)\)", result.stderr)) == {
        "security.W008",
        "security.W021",
    }


def test_without_debug_a_secret_key_is_required():
    result = run_check({})

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_site_speaks_chinese_in_shanghai_time():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
