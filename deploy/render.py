"""Fill in a deployment template and print it.

    /opt/beatlog/venv/bin/python deploy/render.py TEMPLATE --env-file /etc/beatlog/beatlog.env NAME=VALUE …

A template marks what differs between installations as ``{{NAME}}``. Values are given as NAME=VALUE,
except those that must agree with the app: they are read from the environment file the services
read, through the app's own settings code (defaults included), so they cannot disagree:

- ``MAX_BODY_BYTES``: the largest request body the app takes (``BEATLOG_MAX_BODY_BYTES``);
- ``UPSTREAM``: where gunicorn listens (``127.0.0.1:BEATLOG_PORT``);
- ``MONITORING_ALLOW``: nginx's ``allow`` for each network that may read ``/metrics``
  (``BEATLOG_METRICS_ALLOW``), which nginx also lets reach ``/health/``.

A placeholder left without a value, or a value that no placeholder asks for, is an error (exit 2)
and nothing is printed. Run it with the virtual environment's Python: it imports ``server.config``.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Mapping
from pathlib import Path

from dotenv import dotenv_values

from server.config import settings_from_env, web_server_settings

PLACEHOLDER = re.compile(r"\{\{([A-Z][A-Z0-9_]*)\}\}")


def from_settings(env_file: Path) -> dict[str, str]:
    """The values that follow the app's settings in ``env_file``."""
    environ = {name: value for name, value in dotenv_values(env_file).items() if value is not None}
    settings = settings_from_env(environ, ".", secret_given=True)
    return {
        "MAX_BODY_BYTES": str(settings["MAX_CONTENT_LENGTH"]),
        "UPSTREAM": web_server_settings(environ).bind,
        "MONITORING_ALLOW": " ".join(f"allow {network};" for network in settings["METRICS_ALLOW"]),
    }


def render(template: str, values: Mapping[str, str]) -> str:
    """``template`` with every placeholder filled; ValueError naming the placeholders left without a value."""
    missing = sorted(set(PLACEHOLDER.findall(template)) - values.keys())
    if missing:
        raise ValueError(f"no value for {', '.join(missing)}")
    return PLACEHOLDER.sub(lambda match: values[match[1]], template)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("template", type=Path)
    parser.add_argument("--env-file", type=Path, required=True, help="the services' environment file")
    parser.add_argument("values", nargs="*", metavar="NAME=VALUE")
    arguments = parser.parse_intermixed_args(argv)
    given = dict(value.split("=", 1) for value in arguments.values if "=" in value)
    if len(given) != len(arguments.values):
        parser.error("values are NAME=VALUE")
    if not arguments.env_file.is_file():
        parser.error(f"{arguments.env_file} is not a file")
    template = arguments.template.read_text()
    derived = from_settings(arguments.env_file)
    clashing = sorted(given.keys() & derived.keys())
    if clashing:
        parser.error(f"{', '.join(clashing)} follow the app's settings in {arguments.env_file}; set them there")
    unused = sorted(given.keys() - set(PLACEHOLDER.findall(template)))
    if unused:
        parser.error(f"{arguments.template} has no placeholder for {', '.join(unused)}")
    try:
        sys.stdout.write(render(template, {**derived, **given}))
    except ValueError as error:
        parser.error(str(error))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
