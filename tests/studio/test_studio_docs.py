"""The studio guide (channel/README.md) and its IAM policies: the sample code runs, the policies
are least-privilege and are enough, proven against moto with IAM enforcement on."""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, SAMPLE_BUNDLE, json_out, run_cli

IAM = REPO / "channel" / "iam"
POLICIES = sorted(IAM.glob("*.json"))
GUIDE = REPO / "channel" / "README.md"


def actions(policy: dict, effect: str = "Allow") -> set[str]:
    found = set()
    for statement in policy["Statement"]:
        if statement["Effect"] == effect:
            found |= {statement["Action"]} if isinstance(statement["Action"], str) else set(statement["Action"])
    return found


# -- the policies, read -----------------------------------------------------------------------------
def test_there_are_the_three_policies():
    assert [p.name for p in POLICIES] == ["addons-publisher-policy.json", "publisher-policy.json", "queue-role-policy.json"]


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_policy_is_least_privilege(path: Path):
    policy = json.loads(path.read_text())
    assert policy["Version"] == "2012-10-17"
    for statement in policy["Statement"]:
        assert statement["Effect"] in ("Allow", "Deny")
        resources = [statement["Resource"]] if isinstance(statement["Resource"], str) else statement["Resource"]
        assert all(r.startswith("arn:aws:s3:::") and "*" not in r.split(":::")[1].split("/")[0] for r in resources)
    for action in actions(policy):
        assert action.startswith("s3:") and "*" not in action and not action.startswith("s3:Delete"), action
    assert path.name in GUIDE.read_text()


def test_the_queue_role_only_reads_and_may_never_write_the_addons():
    policy = json.loads((IAM / "queue-role-policy.json").read_text())
    assert actions(policy) == {"s3:GetObject", "s3:ListBucket"}
    (deny,) = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    assert {"s3:PutObject", "s3:DeleteObject", "s3:PutObjectAcl"} <= set(deny["Action"])
    assert deny["Resource"] == "arn:aws:s3:::ADDONS_BUCKET/ADDONS_PREFIX/*"


# -- the policies, enforced -------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def iam_moto():
    """A moto server that enforces IAM: the first requests (as admin) set up users, the rest are
    authorised against their policies. In its own process: the setting is process-wide."""
    port = _free_port()
    code = ("from moto.server import ThreadedMotoServer; import time; "
            f"s = ThreadedMotoServer(ip_address='127.0.0.1', port={port}, verbose=False); s.start(); time.sleep(86400)")
    proc = subprocess.Popen([sys.executable, "-c", code], env={**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "15"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield url
    proc.kill()


def _policy(name: str, **values: str) -> dict:
    text = (IAM / name).read_text()
    for key, value in values.items():
        text = text.replace(key, value)
    policy = json.loads(text)
    # The one grant moto needs beyond the studio's: it authorises a HEAD of a bucket (ayon-conda's
    # check that the channel's bucket is there) as "s3:HeadBucket", which AWS authorises with
    # s3:ListBucket. So s3:HeadBucket goes exactly where the policy grants s3:ListBucket.
    for statement in policy["Statement"]:
        granted = [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        if "s3:ListBucket" in granted:
            statement["Action"] = [*granted, "s3:HeadBucket"]
    return policy


@pytest.fixture(scope="module")
def users(iam_moto: str, sample_package: Path) -> dict[str, dict[str, str]]:
    """The channel bucket, the job attachments bucket and one user per policy (the admin's few
    unauthenticated requests, INITIAL_NO_AUTH_ACTION_COUNT, are spent here)."""
    import boto3

    admin = {"endpoint_url": iam_moto, "region_name": "us-east-1",
             "aws_access_key_id": "admin", "aws_secret_access_key": "admin"}
    s3, iam = boto3.client("s3", **admin), boto3.client("iam", **admin)
    s3.create_bucket(Bucket="studio-conda")
    s3.create_bucket(Bucket="studio-ja")
    values = {"CHANNEL_BUCKET": "studio-conda", "CHANNEL_PREFIX": "ayon",  # the store next to the channel
              "ADDONS_BUCKET": "studio-conda", "ADDONS_PREFIX": "ayon-addons"}
    # the former default, below the job attachments root, where AWS's starter farm lets queue roles write
    under_ja = {**values, "ADDONS_BUCKET": "studio-ja", "ADDONS_PREFIX": "DeadlineCloud/ayon"}
    starter_farm = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::studio-ja/DeadlineCloud/*"}]}
    keys = {}
    for user, policy, given in (("publisher", "publisher-policy.json", values), ("queue", "queue-role-policy.json", values),
                                ("addons", "addons-publisher-policy.json", values),
                                ("starter-queue", "queue-role-policy.json", under_ja)):
        iam.create_user(UserName=user)
        iam.put_user_policy(UserName=user, PolicyName=user, PolicyDocument=json.dumps(_policy(policy, **given)))
        if user == "starter-queue":
            iam.put_user_policy(UserName=user, PolicyName="starter-farm", PolicyDocument=json.dumps(starter_farm))
        key = iam.create_access_key(UserName=user)["AccessKey"]
        keys[user] = {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
    return keys


def _as(monkeypatch, user: dict[str, str]) -> None:
    """The environment ayon-conda (and py-rattler) read credentials from."""
    for key, value in user.items():
        monkeypatch.setenv(key, value)


def _client(endpoint: str, user: dict[str, str]):
    """A boto3 client for exactly this user (boto3's default session would keep the first
    credentials it found)."""
    import boto3

    return boto3.session.Session(aws_access_key_id=user["AWS_ACCESS_KEY_ID"],
                                 aws_secret_access_key=user["AWS_SECRET_ACCESS_KEY"]).client(
        "s3", endpoint_url=endpoint, region_name="us-east-1")


@pytest.fixture(scope="module")
def iam_hop(iam_moto: str):
    """The IAM-enforcing moto behind a hop that spells query strings canonically, so that moto can
    check py-rattler's signatures (see ``CountingProxy``'s ``canonical_query``)."""
    from support.s3 import CountingProxy

    hop = CountingProxy(iam_moto, canonical_query=True)
    yield hop
    hop.stop()


def _publish_as_the_publisher(iam_hop, publisher: dict[str, str], sample_package: Path, monkeypatch) -> None:
    """``ayon-conda publish`` with the publisher's credentials, all of it as it runs: the upload
    and its checks (boto3), and py-rattler's indexer (list the subdir, read the index, write it
    with conditional requests)."""
    _as(monkeypatch, publisher)
    out = json_out(run_cli("publish", sample_package, "--channel", "s3://studio-conda/ayon", "--endpoint-url", iam_hop.url,
                           "--json"))
    assert out["packages"][0]["action"] in ("uploaded", "already published") and out["indexed"] == ["noarch"]
    assert ("PUT", "/studio-conda/ayon/noarch/repodata.json") in iam_hop.seen  # written by py-rattler, as the publisher
    monkeypatch.undo()


def test_the_publisher_can_publish_and_cannot_delete(iam_moto, iam_hop, users, sample_package: Path, monkeypatch):
    from botocore.exceptions import ClientError

    _publish_as_the_publisher(iam_hop, users["publisher"], sample_package, monkeypatch)
    s3 = _client(iam_moto, users["publisher"])
    assert s3.head_object(Bucket="studio-conda", Key=f"ayon/noarch/{sample_package.name}")["ContentLength"] > 0
    with pytest.raises(ClientError, match="AccessDenied"):
        s3.delete_object(Bucket="studio-conda", Key=f"ayon/noarch/{sample_package.name}")
    with pytest.raises(ClientError, match="AccessDenied"):
        s3.put_object(Bucket="studio-conda", Key="elsewhere/x", Body=b"x")


def test_the_queue_role_reads_the_channel_and_addons_and_cannot_write(iam_moto, iam_hop, users, sample_package: Path,
                                                                     monkeypatch):
    """What a worker does with the queue role: read the channel's index and packages (py-rattler,
    or conda with boto3) and option C's addon manifests. Made with boto3: under IAM enforcement
    moto answers py-rattler's presigned requests for missing files with 500s (real S3 with 404s;
    py-rattler installs from moto S3 without enforcement in test_channel_clients.py)."""
    from ayon_conda import s3 as s3_layer
    from botocore.exceptions import ClientError

    _publish_as_the_publisher(iam_hop, users["publisher"], sample_package, monkeypatch)
    _as(monkeypatch, users["addons"])  # what ayon-conda addons upload writes: create-only, under the prefix
    uploader = s3_layer.client(iam_moto)
    assert s3_layer.put_create_only(uploader, "studio-conda", "ayon-addons/bundles/b1.json", b"{}",
                                    hashlib.sha256(b"{}").hexdigest()) == s3_layer.CREATED
    with pytest.raises(ClientError, match="AccessDenied"):
        uploader.delete_object(Bucket="studio-conda", Key="ayon-addons/bundles/b1.json")
    s3 = _client(iam_moto, users["queue"])
    repodata = json.loads(s3.get_object(Bucket="studio-conda", Key="ayon/noarch/repodata.json")["Body"].read())
    assert sample_package.name in repodata["packages.conda"]
    body = s3.get_object(Bucket="studio-conda", Key=f"ayon/noarch/{sample_package.name}")["Body"].read()
    assert body == sample_package.read_bytes()
    s3.list_objects_v2(Bucket="studio-conda", Prefix="ayon/noarch/")
    assert s3.get_object(Bucket="studio-conda", Key="ayon-addons/bundles/b1.json")["Body"].read() == b"{}"
    for write in (lambda: s3.put_object(Bucket="studio-conda", Key="ayon/noarch/x.conda", Body=b"x"),
                  lambda: s3.put_object(Bucket="studio-conda", Key="ayon-addons/bundles/b1.json", Body=b"x"),
                  lambda: s3.delete_object(Bucket="studio-conda", Key=f"ayon/noarch/{sample_package.name}"),
                  lambda: s3.get_object(Bucket="studio-ja", Key="DeadlineCloud/Data/secret")):
        with pytest.raises(ClientError, match="AccessDenied"):
            write()


def test_the_deny_holds_where_a_starter_farm_queue_role_may_write(iam_moto, users):
    """The store below the job attachments root (AYON_ADDONS_S3_URI=job-attachments): the starter
    farm's queue role may write anywhere there, and the policy's explicit deny still keeps the
    addons out of its reach."""
    from botocore.exceptions import ClientError

    s3 = _client(iam_moto, users["starter-queue"])
    s3.put_object(Bucket="studio-ja", Key="DeadlineCloud/Data/abc", Body=b"job output")  # the starter farm's grant
    for write in (lambda: s3.put_object(Bucket="studio-ja", Key="DeadlineCloud/ayon/bundles/prod.json", Body=b"{}"),
                  lambda: s3.delete_object(Bucket="studio-ja", Key="DeadlineCloud/ayon/addons/x_1.0.0.json")):
        with pytest.raises(ClientError, match="AccessDenied"):
            write()


# -- the submission sample ------------------------------------------------------------------------
def _sample(name: str) -> str:
    match = re.search(rf"<!-- sample: {name} .*?-->\n```python\n(.*?)```", GUIDE.read_text(), re.S)
    assert match, f"no '{name}' sample in {GUIDE}"
    return match.group(1)


def test_the_submission_sample_pins_the_exact_package(sample_package: Path, tmp_path: Path):
    channel = tmp_path / "channel"
    run_cli("publish", sample_package, "--channel", channel, "-q")
    namespace: dict = {}
    exec(compile(_sample("submission"), str(GUIDE), "exec"), namespace)
    bundle = json.loads(SAMPLE_BUNDLE.read_text())
    params = namespace["conda_job_parameters"](bundle, channel.as_uri(), "1.8.4")
    name, version, build = sample_package.name.removesuffix(".conda").rsplit("-", 2)
    assert params == {"CondaPackages": f"{name}=={version}[build={build}]", "CondaChannels": f"{channel.as_uri()} conda-forge"}
    with pytest.raises(RuntimeError, match="Cannot submit to Deadline Cloud: .*AYON server"):
        namespace["conda_job_parameters"](bundle, channel.as_uri(), "2.5.0")  # outside the package's server range
    other = {**bundle, "addons": {**bundle["addons"], "deadline_cloud": "9.9.9"}}
    with pytest.raises(RuntimeError, match="Cannot submit to Deadline Cloud: .*"):
        namespace["conda_job_parameters"](other, channel.as_uri(), "1.8.4")
