#!/usr/bin/env python3
"""A stand-in for `terragrunt apply` in the runtime tiers (Terragrunt is not
installable here). Run by sfdrun as `terragrunt ...` from PLAN_DIR/live/ACCOUNT,
it creates, against the emulator at AWS_ENDPOINT_URL, what the real
deployment of that account would create and later plan steps rely on:
core: the ECR repository `dagster`; organisation: the reader role; each LA:
the shared bucket, the ECS cluster and its three services. Like Terraform it
reads before it writes, so a second run makes no mutating call.
Appends "ACCOUNT pid" to $FAKE_TG_LOG for the tier to count runs."""
import json
import os
import sys

import boto3
from botocore.exceptions import ClientError

account = os.path.basename(os.getcwd())
plan_path = os.environ.get("FAKE_TG_PLAN") or os.path.join(os.getcwd(), "..", "..", "plan.json")
plan = json.load(open(plan_path))
acc = plan["accounts"][account]
region = plan["region"]
with open(os.environ["FAKE_TG_LOG"], "a") as f:
    f.write(f"{account} {os.getpid()} {' '.join(sys.argv[1:])}\n")

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


if account == "core":
    ecr = session.client("ecr")
    if not exists(lambda: ecr.describe_repositories(repositoryNames=["dagster"])):
        ecr.create_repository(repositoryName="dagster")
elif account == "organisation":
    iam = session.client("iam")
    if not exists(lambda: iam.get_role(RoleName="sfdata-org-reader")):
        iam.create_role(RoleName="sfdata-org-reader", AssumeRolePolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
             "Principal": {"Service": "ecs-tasks.amazonaws.com"}}]}))
else:
    s3 = session.client("s3")
    bucket = f"sfdata-{account}-shared"
    if not exists(lambda: s3.head_bucket(Bucket=bucket)):
        s3.create_bucket(Bucket=bucket,
                         CreateBucketConfiguration={"LocationConstraint": region})
    ecs = session.client("ecs")
    cluster = f"sfdata-{account}"
    if not ecs.describe_clusters(clusters=[cluster])["clusters"]:
        ecs.create_cluster(clusterName=cluster)
    fams = ecs.list_task_definitions(familyPrefix="dagster")["taskDefinitionArns"]
    if not fams:
        ecs.register_task_definition(family="dagster", containerDefinitions=[
            {"name": "dagster", "image": "dagster", "memory": 512}])
    have = {s["serviceName"] for s in ecs.describe_services(
        cluster=cluster, services=["daemon", "code-server", "webserver"])["services"]}
    for svc in ("daemon", "code-server", "webserver"):
        if svc not in have:
            ecs.create_service(cluster=cluster, serviceName=svc, taskDefinition="dagster",
                               desiredCount=1)
