#!/usr/bin/env python3
"""Writes sfdata.plan.json: a hand-designed plan for the example platform
(core, organisation, three local authorities), standing in for `sfdc build`
output until the compiler emits plans. Run it and review the diff:
    python3 tests/data/plan/make-sfdata.py > tests/data/plan/sfdata.plan.json
"""
import json

REGION = "eu-west-2"
CORE = "111111111111"
ORG = "222222222222"
LAS = [("camden", "333333333333"), ("hackney", "444444444444"), ("islington", "555555555555")]
ROLE = "OrganizationAccountAccessRole"

accounts = {"core": {"id": CORE}}
accounts["organisation"] = {"id": ORG, "role_arn": f"arn:aws:iam::{ORG}:role/{ROLE}"}
for code, acc in LAS:
    accounts[f"la-{code}"] = {"id": acc, "role_arn": f"arn:aws:iam::{acc}:role/{ROLE}",
                              "session_name": f"sfdrun-la-{code}"}

steps = []


def step(**kw):
    steps.append(kw)
    return kw["id"]


def policy_doc(statements):
    return {"Version": "2012-10-17", "Statement": statements}


def bootstrap(name, acc):
    bucket = f"sfdata-tfstate-{acc}"
    base = f"bootstrap/{name}/state-bucket"
    ids = [step(id=base, phase="bootstrap", account=name, title=f"create state bucket {bucket}",
                call={"service": "s3", "operation": "CreateBucket",
                      "args": {"Bucket": bucket,
                               "CreateBucketConfiguration": {"LocationConstraint": REGION}}},
                exists_ok=["BucketAlreadyOwnedByYou"],
                check={"operation": "HeadBucket", "args": {"Bucket": bucket},
                       "expect": [{"path": "BucketRegion", "equals": REGION}],
                       "missing": ["NotFound", "NoSuchBucket"]})]
    ids.append(step(id=f"{base}/versioning", phase="bootstrap", account=name, after=[base],
                    call={"service": "s3", "operation": "PutBucketVersioning",
                          "args": {"Bucket": bucket,
                                   "VersioningConfiguration": {"Status": "Enabled"}}},
                    check={"operation": "GetBucketVersioning", "args": {"Bucket": bucket},
                           "expect": [{"path": "Status", "equals": "Enabled"}]}))
    ids.append(step(id=f"{base}/encryption", phase="bootstrap", account=name, after=[base],
                    call={"service": "s3", "operation": "PutBucketEncryption",
                          "args": {"Bucket": bucket, "ServerSideEncryptionConfiguration": {
                              "Rules": [{"ApplyServerSideEncryptionByDefault":
                                         {"SSEAlgorithm": "aws:kms"},
                                         "BucketKeyEnabled": True}]}}},
                    check={"operation": "GetBucketEncryption", "args": {"Bucket": bucket},
                           "expect": [{"path": "ServerSideEncryptionConfiguration.Rules[0]"
                                               ".ApplyServerSideEncryptionByDefault.SSEAlgorithm",
                                       "equals": "aws:kms"}],
                           "missing": ["ServerSideEncryptionConfigurationNotFoundError"]}))
    pab = {"BlockPublicAcls": True, "IgnorePublicAcls": True,
           "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
    ids.append(step(id=f"{base}/public-access-block", phase="bootstrap", account=name,
                    after=[base],
                    call={"service": "s3", "operation": "PutPublicAccessBlock",
                          "args": {"Bucket": bucket, "PublicAccessBlockConfiguration": pab}},
                    check={"operation": "GetPublicAccessBlock", "args": {"Bucket": bucket},
                           "expect": [{"path": "PublicAccessBlockConfiguration", "equals": pab}],
                           "missing": ["NoSuchPublicAccessBlockConfiguration"]}))
    tls = policy_doc([{"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*",
                       "Action": "s3:*",
                       "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                       "Condition": {"Bool": {"aws:SecureTransport": "false"}}}])
    ids.append(step(id=f"{base}/tls-only", phase="bootstrap", account=name,
                    after=[f"{base}/public-access-block"],
                    title="deny every request not made over TLS",
                    call={"service": "s3", "operation": "PutBucketPolicy",
                          "args": {"Bucket": bucket, "Policy": {"$json": tls}}},
                    check={"operation": "GetBucketPolicy", "args": {"Bucket": bucket},
                           "expect": [{"path": "Policy", "json": tls}],
                           "missing": ["NoSuchBucketPolicy"]}))
    return ids


def lock_table(name):
    table = "sfdata-tflock"
    return step(id=f"bootstrap/{name}/lock-table", phase="bootstrap", account=name,
                call={"service": "dynamodb", "operation": "CreateTable",
                      "args": {"TableName": table, "BillingMode": "PAY_PER_REQUEST",
                               "AttributeDefinitions": [{"AttributeName": "LockID",
                                                         "AttributeType": "S"}],
                               "KeySchema": [{"AttributeName": "LockID", "KeyType": "HASH"}],
                               "SSESpecification": {"Enabled": True}}},
                exists_ok=["ResourceInUseException"],
                check={"operation": "DescribeTable", "args": {"TableName": table},
                       "expect": [{"path": "Table.KeySchema",
                                   "equals": [{"AttributeName": "LockID", "KeyType": "HASH"}]}],
                       "missing": ["ResourceNotFoundException"]})


def deploy(name, after):
    return step(id=f"deploy/{name}", phase="deploy", account=name, after=after,
                title=f"terragrunt apply in live/{name}",
                run={"argv": ["terragrunt", "apply", "--non-interactive", "-auto-approve"],
                     "cwd": f"live/{name}", "env": {"TG_TF_PATH": "terraform"}})


def deployer_role(name):
    trust = policy_doc([{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{CORE}:root"},
                         "Action": "sts:AssumeRole"}])
    rid = step(id=f"handshake/{name}/deployer-role", phase="handshake", account=name,
               title="role the core account's CI assumes to deploy here",
               call={"service": "iam", "operation": "CreateRole",
                     "args": {"RoleName": "sfdata-deployer", "Path": "/sfdc/",
                              "AssumeRolePolicyDocument": {"$json": trust},
                              "MaxSessionDuration": 3600}},
               exists_ok=["EntityAlreadyExists"],
               check={"operation": "GetRole", "args": {"RoleName": "sfdata-deployer"},
                      "expect": [{"path": "Role.AssumeRolePolicyDocument", "json": trust},
                                 {"path": "Role.Path", "equals": "/sfdc/"}],
                      "missing": ["NoSuchEntity"]})
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    return step(id=f"{rid}/admin", phase="handshake", account=name, after=[rid],
                call={"service": "iam", "operation": "AttachRolePolicy",
                      "args": {"RoleName": "sfdata-deployer", "PolicyArn": admin}},
                check={"operation": "ListAttachedRolePolicies",
                       "args": {"RoleName": "sfdata-deployer"},
                       "expect": [{"path": f"AttachedPolicies[PolicyArn={admin}]",
                                   "exists": True}]})


def ecr_pull_policy(after):
    pullers = [f"arn:aws:iam::{ORG}:root"] + [f"arn:aws:iam::{a}:root" for _, a in LAS]
    doc = policy_doc([{"Sid": "CrossAccountPull", "Effect": "Allow",
                       "Principal": {"AWS": pullers},
                       "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage",
                                  "ecr:GetDownloadUrlForLayer"]}])
    return step(id="handshake/core/ecr-dagster-pull", phase="handshake", account="core",
                after=after, title="let the organisation and LA accounts pull dagster images",
                call={"service": "ecr", "operation": "SetRepositoryPolicy",
                      "args": {"repositoryName": "dagster", "policyText": {"$json": doc}}},
                check={"operation": "GetRepositoryPolicy", "args": {"repositoryName": "dagster"},
                       "expect": [{"path": "policyText", "json": doc}],
                       "missing": ["RepositoryPolicyNotFoundException"]})


def shared_bucket_policy(code, acc, after):
    bucket = f"sfdata-la-{code}-shared"
    doc = policy_doc([
        {"Sid": "OrganisationRead", "Effect": "Allow",
         "Principal": {"AWS": f"arn:aws:iam::{ORG}:role/sfdata-org-reader"},
         "Action": ["s3:GetObject", "s3:ListBucket"],
         "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]}])
    return step(id=f"handshake/la-{code}/shared-bucket-policy", phase="handshake",
                account=f"la-{code}", after=after,
                title="let the organisation's reader role read the shared bucket",
                call={"service": "s3", "operation": "PutBucketPolicy",
                      "args": {"Bucket": bucket, "Policy": {"$json": doc}}},
                check={"operation": "GetBucketPolicy", "args": {"Bucket": bucket},
                       "expect": [{"path": "Policy", "json": doc}],
                       "missing": ["NoSuchBucketPolicy"]})


def operate(code, after):
    name = f"la-{code}"
    cluster = f"sfdata-{name}"
    rid = f"service/{cluster}/daemon"
    dim = "ecs:service:DesiredCount"
    tgt = step(id=f"operate/{name}/daemon/scalable-target", phase="operate", account=name,
               after=after,
               call={"service": "application-autoscaling", "operation": "RegisterScalableTarget",
                     "args": {"ServiceNamespace": "ecs", "ResourceId": rid,
                              "ScalableDimension": dim, "MinCapacity": 0, "MaxCapacity": 0}},
               check={"operation": "DescribeScalableTargets",
                      "args": {"ServiceNamespace": "ecs", "ResourceIds": [rid],
                               "ScalableDimension": dim},
                      "expect": [{"path": "ScalableTargets[0].ResourceId", "equals": rid}]})
    out = [tgt]
    # "Mon-Fri 23:00-05:00 Europe/London": on at 23:00 Mon-Fri, off at 05:00
    # the next morning (Tue-Sat). MaxCapacity 0 is what stops the tasks.
    for what, cron, cap in (("start", "cron(0 23 ? * MON-FRI *)", 1),
                            ("stop", "cron(0 5 ? * TUE-SAT *)", 0)):
        action = f"sfdata-{name}-daemon-{what}"
        args = {"ServiceNamespace": "ecs", "ScheduledActionName": action, "ResourceId": rid,
                "ScalableDimension": dim, "Schedule": cron, "Timezone": "Europe/London",
                "ScalableTargetAction": {"MinCapacity": cap, "MaxCapacity": cap}}
        out.append(step(
            id=f"operate/{name}/daemon/schedule-{what}", phase="operate", account=name,
            after=[tgt],
            call={"service": "application-autoscaling", "operation": "PutScheduledAction",
                  "args": args},
            check={"operation": "DescribeScheduledActions",
                   "args": {"ServiceNamespace": "ecs", "ScheduledActionNames": [action],
                            "ResourceId": rid, "ScalableDimension": dim},
                   "expect": [{"path": "ScheduledActions[0].Schedule", "equals": cron},
                              {"path": "ScheduledActions[0].Timezone",
                               "equals": "Europe/London"},
                              {"path": "ScheduledActions[0].ScalableTargetAction",
                               "equals": {"MinCapacity": cap, "MaxCapacity": cap}}]}))
    out.append(step(
        id=f"operate/{name}/webserver/off", phase="operate", account=name, after=after,
        title="the webserver is off by default",
        call={"service": "ecs", "operation": "UpdateService",
              "args": {"cluster": cluster, "service": "webserver", "desiredCount": 0}},
        check={"operation": "DescribeServices",
               "args": {"cluster": cluster, "services": ["webserver"]},
               "expect": [{"path": "services[0].desiredCount", "equals": 0}]}))
    return out


core_boot = bootstrap("core", CORE) + [lock_table("core")]
core_deploy = deploy("core", core_boot)
org_boot = bootstrap("organisation", ORG)
org_role = deployer_role("organisation")
la_ready = {}
for code, acc in LAS:
    boot = bootstrap(f"la-{code}", acc)
    role = deployer_role(f"la-{code}")
    la_ready[code] = boot + [role]
pull = ecr_pull_policy([core_deploy])
org_deploy = deploy("organisation", org_boot + [org_role, pull])
for code, acc in LAS:
    d = deploy(f"la-{code}", la_ready[code] + [pull])
    shared_bucket_policy(code, acc, [d, org_deploy])
    operate(code, [d])

services = {}
for code, _ in LAS:
    for svc, scalable in (("daemon", True), ("code-server", False), ("webserver", False)):
        services[f"la-{code}/{svc}"] = {"account": f"la-{code}", "cluster": f"sfdata-la-{code}",
                                        "service": svc, "scalable_target": scalable}

plan = {"format": "sfdc-plan", "version": 1,
        "source_hash": "sha256:" + "5fd0" * 16,
        "generator": "hand-written fixture (tests/data/plan/make-sfdata.py)",
        "platform": "sfdata", "environment": "prod", "region": REGION,
        "accounts": accounts, "services": services, "steps": steps}
print(json.dumps(plan, indent=2))
