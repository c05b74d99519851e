"""What the README and channel/ promise about publishing stays true of the code."""

from __future__ import annotations

import json

from ayon_conda.cli import main
from conftest import REPO


def test_publisher_policy_never_deletes():
    policy = json.loads((REPO / "channel" / "iam" / "publisher-policy.json").read_text())
    actions = {a for statement in policy["Statement"] for a in
               ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])}
    assert {"s3:PutObject", "s3:GetObject", "s3:ListBucket"} <= actions
    assert not any("Delete" in action or action.endswith("*") for action in actions)


def test_readme_documents_publish_and_release_options():
    readme = (REPO / "README.md").read_text()
    for name in ("publish", "release"):
        assert f"ayon-conda {name}" in readme
        for param in main.commands[name].params:
            if param.name in ("json_out", "quiet"):
                continue
            flag = max(param.opts, key=len)
            if name == "publish" and flag.startswith("--"):
                assert flag in readme, flag
