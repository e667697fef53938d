#!/usr/bin/env python3
"""A stand-in for `terragrunt apply` in the runtime tiers (Terragrunt is not
installable here). Run by sfdrun as `terragrunt ...` from PLAN_DIR/live/ACCOUNT,
it creates, against the emulator at AWS_ENDPOINT_URL, what the real
deployment of that account would create and later plan steps rely on:
core: the ECR repository `dagster`; organisation: the reader role; each LA:
the shared bucket, the ECS cluster and its three services. Like Terraform it
reads before it writes, so a second run makes no mutating call.
Appends "ACCOUNT pid ARGS" to $FAKE_TG_LOG for the tier to count runs.

Names are the plan's platform and, outside `prod`, its environment
(`sfdata-la-camden-shared`, `sfdata-stage-la-camden-shared`).
With `destroy` in its arguments (`sfdrun destroy`) it deletes what the apply
made, leaving a unit named by `--queue-exclude-dir=UNIT` (only `ecr-dagster`,
core's registry, is a unit here). Optional:
  FAKE_TG_STATE=1      keeps a Terraform-like state object, ENV/ACCOUNT/
                       terraform.tfstate in the account's state bucket (the
                       plan's bootstrap/ACCOUNT/state-bucket), rewritten only
                       when what exists changed
  FAKE_TG_SECRETS=FILE appends the secret key and session token the run was
                       given, for the tier to prove they are printed nowhere
  FAKE_TG_ENDPOINT=URL talks to the emulator at URL (past a proxy)
  FAKE_TG_KILL_PARENT=ACCOUNT  the destroy of ACCOUNT, having deleted its
                       things but before it writes state, SIGKILLs its
                       parent (sfdrun) and waits to be stopped: a kill in
                       the middle of a deploy run, for tier 46"""
import json
import os
import signal
import sys
import time

import boto3
from botocore.exceptions import ClientError

account = os.path.basename(os.getcwd())
plan_path = os.environ.get("FAKE_TG_PLAN") or os.path.join(os.getcwd(), "..", "..", "plan.json")
plan = json.load(open(plan_path))
acc = plan["accounts"][account]
region = plan["region"]
env = plan.get("environment") or "prod"
prefix = plan["platform"] + "-" + ("" if env == "prod" else env + "-")
destroy = "destroy" in sys.argv[1:]
excluded = {a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--queue-exclude-dir=")}
with open(os.environ["FAKE_TG_LOG"], "a") as f:
    f.write(f"{account} {os.getpid()} {' '.join(sys.argv[1:])}\n")
if os.environ.get("FAKE_TG_SECRETS"):
    with open(os.environ["FAKE_TG_SECRETS"], "a") as f:
        for k in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            if os.environ.get(k):
                f.write(os.environ[k] + "\n")

# FAKE_TG_ENDPOINT: talk to the emulator directly (past a fault proxy)
if os.environ.get("FAKE_TG_ENDPOINT"):
    os.environ["AWS_ENDPOINT_URL"] = os.environ["FAKE_TG_ENDPOINT"]
session = boto3.Session(region_name=region)
if acc.get("role_arn"):
    c = session.client("sts").assume_role(RoleArn=acc["role_arn"],
                                          RoleSessionName="fake-tg")["Credentials"]
    session = boto3.Session(region_name=region, aws_access_key_id=c["AccessKeyId"],
                            aws_secret_access_key=c["SecretAccessKey"],
                            aws_session_token=c["SessionToken"])


def exists(fn):
    try:
        fn()
        return True
    except ClientError:
        return False


def apply():
    """Creates what is missing; returns what exists (the state's resources)."""
    if account == "core":
        ecr = session.client("ecr")
        if not exists(lambda: ecr.describe_repositories(repositoryNames=["dagster"])):
            ecr.create_repository(repositoryName="dagster")
        return ["ecr-dagster"]
    if account == "organisation":
        iam = session.client("iam")
        if not exists(lambda: iam.get_role(RoleName=f"{prefix}org-reader")):
            iam.create_role(RoleName=f"{prefix}org-reader", AssumeRolePolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                 "Principal": {"Service": "ecs-tasks.amazonaws.com"}}]}))
        return ["org-reader"]
    s3 = session.client("s3")
    bucket = f"{prefix}{account}-shared"
    if not exists(lambda: s3.head_bucket(Bucket=bucket)):
        s3.create_bucket(Bucket=bucket,
                         CreateBucketConfiguration={"LocationConstraint": region})
    ecs = session.client("ecs")
    cluster = f"{prefix}{account}"
    if not [c for c in ecs.describe_clusters(clusters=[cluster])["clusters"]
            if c["status"] == "ACTIVE"]:
        ecs.create_cluster(clusterName=cluster)
    fams = ecs.list_task_definitions(familyPrefix="dagster")["taskDefinitionArns"]
    if not fams:
        ecs.register_task_definition(family="dagster", containerDefinitions=[
            {"name": "dagster", "image": "dagster", "memory": 512}])
    have = {s["serviceName"] for s in ecs.describe_services(
        cluster=cluster, services=["daemon", "code-server", "webserver"])["services"]
        if s["status"] == "ACTIVE"}
    for svc in ("daemon", "code-server", "webserver"):
        if svc not in have:
            ecs.create_service(cluster=cluster, serviceName=svc, taskDefinition="dagster",
                               desiredCount=1)
    return ["shared-bucket", "cluster"]


def destroy_all():
    """Deletes what apply made (reading first); returns what is left."""
    if account == "core":
        if "ecr-dagster" in excluded:
            return ["ecr-dagster"]
        ecr = session.client("ecr")
        if exists(lambda: ecr.describe_repositories(repositoryNames=["dagster"])):
            ecr.delete_repository(repositoryName="dagster", force=True)
        return []
    if account == "organisation":
        iam = session.client("iam")
        if exists(lambda: iam.get_role(RoleName=f"{prefix}org-reader")):
            iam.delete_role(RoleName=f"{prefix}org-reader")
        return []
    s3 = session.client("s3")
    bucket = f"{prefix}{account}-shared"
    if exists(lambda: s3.head_bucket(Bucket=bucket)):
        s3.delete_bucket(Bucket=bucket)
    aas = session.client("application-autoscaling")
    cluster = f"{prefix}{account}"
    rid = f"service/{cluster}/daemon"
    for a in aas.describe_scheduled_actions(ServiceNamespace="ecs",
                                            ResourceId=rid)["ScheduledActions"]:
        aas.delete_scheduled_action(ServiceNamespace="ecs", ScheduledActionName=a["ScheduledActionName"],
                                    ResourceId=rid, ScalableDimension=a["ScalableDimension"])
    if aas.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[rid])["ScalableTargets"]:
        aas.deregister_scalable_target(ServiceNamespace="ecs", ResourceId=rid,
                                       ScalableDimension="ecs:service:DesiredCount")
    ecs = session.client("ecs")
    if [c for c in ecs.describe_clusters(clusters=[cluster])["clusters"] if c["status"] == "ACTIVE"]:
        for s in ecs.describe_services(cluster=cluster, services=[
                "daemon", "code-server", "webserver"])["services"]:
            if s["status"] == "ACTIVE":
                ecs.delete_service(cluster=cluster, service=s["serviceName"], force=True)
        ecs.delete_cluster(cluster=cluster)
    return []


def write_state(resources):
    """ENV/ACCOUNT/terraform.tfstate, only when it changes (as Terraform
    writes state only after a change)."""
    step = [s for s in plan["steps"] if s["id"] == f"bootstrap/{account}/state-bucket"]
    if not step:
        return
    bucket = step[0]["call"]["args"]["Bucket"]
    key = f"{env}/{account}/terraform.tfstate"
    body = json.dumps({"version": 4, "resources": sorted(resources)}).encode()
    s3 = session.client("s3")
    try:
        if s3.get_object(Bucket=bucket, Key=key)["Body"].read() == body:
            return
    except ClientError:
        pass
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")


left = destroy_all() if destroy else apply()
if destroy and os.environ.get("FAKE_TG_KILL_PARENT") == account:
    os.kill(os.getppid(), signal.SIGKILL)
    time.sleep(10)   # PR_SET_PDEATHSIG's SIGTERM ends it first
    sys.exit(1)
if os.environ.get("FAKE_TG_STATE") == "1":
    write_state(left)
