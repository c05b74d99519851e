"""Writes ``channel/queue-environment.yaml``: its ``environment`` generated from the session script.

The template's parameters (names, defaults, descriptions) are edited in the YAML file itself;
its ``environment`` section is :func:`ayon_publish_submit.openjd_environment.session_environment`
passing those parameters, so the queue environment and the publish step's environment run the
same embedded script (:mod:`ayon_publish_submit.conda_session`). Run after changing either::

    python -m ayon_conda.queue_environment          # rewrite the file
    python -m ayon_conda.queue_environment --check  # exit 1 when it is not up to date (CI runs a test of it)

The file is read and written with ruamel.yaml in round-trip mode, so comments and flow style
stay; indentation is one space per level, which keeps the embedded script's lines short:
Deadline Cloud takes queue environment templates of at most :data:`LIMIT` characters.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from ayon_publish_submit.openjd_environment import session_environment
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

TEMPLATE = Path(__file__).resolve().parents[2] / "channel" / "queue-environment.yaml"
LIMIT = 15000  # characters, CreateQueueEnvironment's limit for a template


def _yaml() -> YAML:
    yaml = YAML()
    yaml.indent(mapping=1, sequence=2, offset=0)
    yaml.width = 4096
    yaml.preserve_quotes = True
    return yaml


def render(text: str) -> str:
    """``text`` (the template) with its ``environment`` section generated."""
    yaml = _yaml()
    doc = yaml.load(text)
    environment = session_environment(
        "Conda", ["{{Param.QueueEnvPython}}"],
        enter=["{{Param.CondaPackages}}", "{{Param.CondaChannels}}", "{{Param.ChannelPriority}}", "{{Param.CondaEnvCacheDir}}"],
        leave=["{{Param.CondaEnvCacheDir}}", "{{Param.CondaEnvKeepDays}}"])
    for action in environment["script"]["actions"].values():
        action["args"] = CommentedSeq(action["args"])
        action["args"].fa.set_flow_style()
    for file in environment["script"]["embeddedFiles"]:
        file["data"] = LiteralScalarString(file["data"])
    doc["environment"] = environment
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue()


def main(argv: list[str]) -> int:
    current = TEMPLATE.read_text(encoding="utf-8")
    wanted = render(current)
    if "--check" in argv:
        if wanted != current:
            print(f"{TEMPLATE}: not generated from the session script; run python -m ayon_conda.queue_environment",
                  file=sys.stderr)
            return 1
        return 0
    TEMPLATE.write_text(wanted, encoding="utf-8")
    print(f"{TEMPLATE}: {len(wanted)} characters ({LIMIT - len(wanted)} below Deadline Cloud's limit)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
