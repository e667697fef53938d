#!/usr/bin/env python3
"""Writes one synthetic platform four ways: .sfd, Pkl, Jsonnet, Terraform.

Usage: gen.py N DIR [--inject range|ecr|dupbucket]

DIR/platform.sfd is bench/check/gen.py's platform (core, organisation, N
local-authority accounts from one template and a list of N records).
DIR/platform.pkl, DIR/platform.jsonnet and DIR/tf/ describe the same
accounts and settings in each peer's own idiom, doing the work sfdc does
for them: the template is a function (Pkl, Jsonnet) or a module (Terraform,
one module call per account); units are converted (vCPU to CPU units, GiB
to MiB, days and minutes to seconds); and the rules sfdc checks are stated
the way each tool states constraints: Pkl every schema type and bound and
the AWS rules on values and derived names (typed classes, typealiases with
constraints), Jsonnet those it can state cheaply (`assert`), Terraform the
ones the injected errors need (variable `validation`). bench/README.md
lists which rules each peer states.

Like platform.sfd, the Pkl and Jsonnet programs describe both
environments, stage and prod, each in accounts of its own (prod's ids are
stage's with 3 for the leading 2) with prod's one override, and evaluate
and check both, as `sfdc check` does. Pkl prints its whole checked model,
Jsonnet the shape bench/peers/norm.py reduces `sfdc export --env ENV` to,
one object per environment; Terraform's root module (stage only: `terraform
validate` evaluates no values) has the same shape as an output (read with
`terraform plan` + `terraform show -json` by the equivalence check only;
the timed work is `terraform fmt` + `terraform validate`).

DIR/tree.pkl (a copy of bench/peers/tree.pkl, with DIR/stdlib a link to
the repository's stdlib) writes, from platform.pkl's model, the tree `sfdc
build --env prod -o OUT` writes: `pkl eval -m OUT tree.pkl`.

--inject adds one more account, `la-inject`, written out in full, with one
mistake: a scale range whose max is below its min (range), an image from
an ECR repository core does not have (ecr), or two buckets with the same
explicit name (dupbucket). Each tool should reject it.
"""
import importlib.util
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("checkgen", os.path.join(HERE, "..", "check", "gen.py"))
checkgen = importlib.util.module_from_spec(spec)
spec.loader.exec_module(checkgen)

# The LA template's settings, shared by every peer's rendering.
SERVICES = [
    # name, vcpu, GiB, (min, max), default, window, vpn-only
    ("daemon", 0.25, 1, (0, 1), "on", "Mon-Fri 23:00-05:00 Europe/London", False),
    ("code_server", 0.25, 1, (0, 1), "on", None, False),
    ("webserver", 0.5, 1, (0, 1), "off", None, True),
]
BUCKETS = [
    # name, expire days, readers
    ("data_store", 2190, []),
    ("workspace", 90, []),
    ("shared", None, ["org"]),
    ("external_data", None, []),
]
INJECT_ID, INJECT_CIDR, DUP_NAME = "299999999999", "10.240.0.0/24", "bench-dup-bucket"


def rows(n):
    """The N LA records: (code, account id, cidr), as bench/check/gen.py writes them."""
    return [("la%05d" % i, "%012d" % (200000000000 + i), "10.%d.%d.0/24" % (i // 256, i % 256))
            for i in range(n)]


def prod_id(stage_id):
    """An LA's prod account id: its stage id with 3 for the leading 2 (bench/check/gen.py)."""
    return "3" + stage_id[1:]


def inject_settings(inject):
    """Per-service scale, image repository and explicit bucket names of la-inject."""
    scale = {"daemon": (2, 1) if inject == "range" else (0, 1)}
    repo = "dagsterx" if inject == "ecr" else "dagster"
    names = {"data_store": DUP_NAME, "workspace": DUP_NAME} if inject == "dupbucket" else {}
    return scale, repo, names


# ---- .sfd ----------------------------------------------------------------

def sfd_inject(inject):
    scale, repo, names = inject_settings(inject)
    out = ['account la-inject {', '  kind = la', '  id = { stage = "%s", prod = "3%s" }[env]' % (INJECT_ID, INJECT_ID[1:]), '  parent = core',
           '  network { cidr = %s }' % INJECT_CIDR]
    for name, vcpu, gib, rng, default, window, vpn in SERVICES:
        lo, hi = scale.get(name, rng)
        out += ['  service %s {' % name, '    image = core.ecr.%s' % repo,
                '    cpu = %g vcpu' % vcpu, '    memory = %d GiB' % gib]
        out += ['    scale = %d..%d' % (lo, hi)] if (lo, hi) != (0, 1) or name != "webserver" else []
        out += ['    default = off'] if default == "off" else []
        out += ['    window = "%s"' % window] if window else []
        out += ['    access = vpn(core.vpn)'] if vpn else []
        out += ['  }']
    out += ['  aurora dagster {', '    capacity = 0..4 acu', '    auto_pause = 30m', '  }']
    for name, days, readers in BUCKETS:
        f = ['purpose = %s' % name]
        f += ['expire = %dd' % days] if days else []
        f += ['readers = [%s]' % ", ".join(readers)] if readers else []
        f += ['name = "%s"' % names[name]] if name in names else []
        out += ['  bucket %s { %s }' % (name, "  ".join(f))]
    return "\n".join(out + ['}', ''])


def write_sfd(n, path, inject):
    checkgen.sys.argv = ["gen.py", str(n), path]
    checkgen.main()
    if inject:
        with open(path, "a") as f:
            f.write("\n" + sfd_inject(inject))


# ---- Pkl -------------------------------------------------------------------

PKL_HEAD = r'''// Generated by bench/peers/gen.py: the bench platform as typed Pkl.
//
// Each property has the type and bounds of its field in sfdc's stdlib schemas
// (stdlib/resources.sfd, platform.sfd, types.sfd), and the AWS and intent rules
// `sfdc check` applies to the values the platform sets and to the names it derives
// from them (SPEC.md §9; stdlib/aws/constraint-map.json), as a Pkl user states them:
// typealiases, type constraints, isBetween, matches(Regex(...)). The comments name
// sfdc's diagnostic for the same rule. The JSON output is the whole checked model
// (rendering it forces every property, so every constraint is checked).
import "pkl:math"

// ---- values (stdlib/types.sfd, SPEC §4) --------------------------------------------
typealias AccountId = String(matches(Regex(#"\d{12}"#)))                        // E0406
const function ipv4(s: String): Int = s.split(".").fold(0, (n, o) -> n * 256 + o.toInt())
const function prefixOf(c: String): Int = c.split("/")[1].toInt()
const function firstOf(c: String): Int = ipv4(c.split("/")[0])
const function lastOf(c: String): Int = firstOf(c) + 1.shl(32 - prefixOf(c)) - 1
// a CIDR block: four octets 0..255, a prefix 0..32 (E0406), no host bits set (E0510)
typealias Cidr = String(
  matches(Regex(#"(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}/(3[0-2]|[12]?\d)"#)),
  firstOf(this) % 1.shl(32 - prefixOf(this)) == 0)
// a VPC: /16 to /28 (E0510), and sfdc's network module divides /16 to /24 (E0519)
typealias VpcCidr = Cidr(prefixOf(this).isBetween(16, 24))
typealias Port = Int(isBetween(1, 65535))
// a weekly window "Mon-Fri 23:00-05:00 Europe/London": days, times, one time zone (E0406,
// E0653; sfdc knows the IANA zones, this states their shape)
typealias Window = String(matches(Regex(
  #"(Mon|Tue|Wed|Thu|Fri|Sat|Sun)(-(Mon|Tue|Wed|Thu|Fri|Sat|Sun))? ([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d (UTC|[A-Z][A-Za-z_]+/[A-Z][A-Za-z_]+)"#)))
const function fargatePair(cpu: Number, mib: Number): Boolean =            // E0501
  cpu % 1 == 0 && mib % 1 == 0 && fargateRow(cpu.toInt(), mib.toInt())
const function fargateRow(cpu: Int, mib: Int): Boolean =
  if (cpu == 256) List(512, 1024, 2048).contains(mib)
  else let (row = Map(512, List(1024, 4096, 1024), 1024, List(2048, 8192, 1024),
      2048, List(4096, 16384, 1024), 4096, List(8192, 30720, 1024), 8192, List(16384, 61440, 4096),
      16384, List(32768, 122880, 8192)).getOrNull(cpu))
    row != null && mib.isBetween(row[0], row[1]) && (mib - row[0]) % row[2] == 0
// an ACU figure: 0..256 in steps of 0.5 (E0420, E0505)
typealias Acu = Number(isBetween(0, 256), this * 2 % 1 == 0)
// Aurora PostgreSQL versions sfdc knows (stdlib/aws/engine-versions.json), and those
// that pause at 0 ACU (13.15, 14.12, 15.7, 16.3 or later: E0506)
const auroraVersions: List<String> = List(
  "13.7", "13.8", "13.9", "13.10", "13.11", "13.12", "13.13", "13.14", "13.15", "13.16", "13.18",
  "13.20", "13.21", "14.3", "14.4", "14.5", "14.6", "14.7", "14.8", "14.9", "14.10", "14.11",
  "14.12", "14.13", "14.15", "14.17", "14.18", "15.2", "15.3", "15.4", "15.5", "15.6", "15.7",
  "15.8", "15.10", "15.12", "15.13", "16.1", "16.2", "16.3", "16.4", "16.6", "16.8", "16.9",
  "16.10", "16.11", "16.13")
const function pauses(v: String): Boolean =
  let (p = v.split(".").map((x) -> x.toInt())) p[1] >= Map(13, 15, 14, 12, 15, 7, 16, 3)[p[0]]

// ---- AWS names (stdlib/aws/constraint-map.json "names"; compiler/awslimits.c): E0524 ----
// S3 bucket names (E0502): 3..63, lowercase letters, digits, `.` and `-`, a letter or
// digit at each end, no `..`, not an IP address, none of S3's reserved prefixes/suffixes
typealias S3Name = String(length.isBetween(3, 63), matches(Regex(#"[a-z0-9][a-z0-9.-]*[a-z0-9]"#)),
  !contains(".."), !matches(Regex(#"\d+\.\d+\.\d+\.\d+"#)),
  !startsWith("xn--"), !startsWith("sthree-"), !startsWith("amzn-s3-demo-"),
  !endsWith("-s3alias"), !endsWith("--ol-s3"), !endsWith(".mrap"), !endsWith("--x-s3"),
  !endsWith("--table-s3"))
// ECR repository names (E0504): 2..256, botocore's pattern
typealias EcrName = String(length.isBetween(2, 256),
  matches(Regex(#"[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*"#)))
// IAM role names (E0508, iam.CreateRole.RoleName): 1..64 of [\w+=,.@-]
typealias IamRoleName = String(length.isBetween(1, 64), matches(Regex(#"[\w+=,.@-]+"#)))
typealias NetworkName = String(length.isBetween(1, 48), matches(Regex(#"[A-Za-z0-9][A-Za-z0-9-]*"#)))
typealias TgwName = String(length.isBetween(1, 63), matches(Regex(#"[A-Za-z0-9][A-Za-z0-9-]*"#)))
typealias ClusterName = String(length.isBetween(1, 255), matches(Regex(#"[A-Za-z0-9_-]+"#)))
// ECS service names: the API's 255 of [A-Za-z0-9_-], the module's 128 starting alphanumeric
typealias ServiceName = String(length.isBetween(1, 128), matches(Regex(#"[A-Za-z0-9][A-Za-z0-9_-]*"#)))
typealias TaskFamily = String(length.isBetween(1, 255), matches(Regex(#"[A-Za-z0-9_-]+"#)))
// load balancers: 1..32, alphanumeric at each end, single dashes
typealias LbName = String(length.isBetween(1, 32), matches(Regex(#"[A-Za-z0-9](-?[A-Za-z0-9])*"#)))
// Aurora cluster identifiers: the module's 60 (instances append -N) of [a-z](-?[a-z0-9])*
typealias DbName = String(length.isBetween(1, 60), matches(Regex(#"[a-z](-?[a-z0-9])*"#)))
// image tags: Docker's 128 (ECR's 300 is wider)
typealias ImageTag = String(length.isBetween(1, 128), matches(Regex(#"[A-Za-z0-9_][A-Za-z0-9_.-]*"#)))
typealias PrincipalArn = String(length.isBetween(1, 2048),
  matches(Regex(#"[*]|arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:(root|(role|user)/([A-Za-z0-9+=,.@_-]+/)*[A-Za-z0-9+=,.@_-]+)"#)))

// ---- schemas (stdlib/resources.sfd) -------------------------------------------------
class Scale {
  min: Int(isBetween(0, 5000))                                                  // E0420
  max: Int(isBetween(0, 5000))
}
typealias TaskRange = Scale(max >= min)                                         // E0421
class Capacity {
  min: Acu
  max: Acu(this >= min, this >= 1)                                             // E0421, E0505
}
class Ecr {
  name: String
  keep: Int(isBetween(1, 20000)) = 30
  scanOnPush: Boolean = true
  immutableTags: Boolean = true
  // nobody may push but the principals named, and never "*" (E0608)
  push: Listing<PrincipalArn>(!toList().any((p) -> p.contains("*"))) = new {}
  shared: Boolean = false
}
class Service {
  image: Ecr                                                                    // E0301
  // E0609: `latest` of an immutable registry never moves
  tag: ImageTag(!(this == "latest" && image.immutableTags)) = "latest"
  vcpu: Number(isBetween(0.125, 16)) = 0.25                                     // cpu(128 cpu..16 vcpu)
  memoryGiB: Number(this * 1024 >= 128, compute != "fargate" || fargatePair(vcpu * 1024, this * 1024)) = 0.5
  cpu: Int = (vcpu * 1024).toInt()                                              // CPU units
  memory: Int = (memoryGiB * 1024).toInt()                                      // MiB
  compute: "fargate"|"ec2" = "fargate"
  spot: Boolean = true
  launchType: ("FARGATE"|"EC2")?(this == null || !spot)                         // E0601
  scale: TaskRange = new Scale { min = 0; max = 1 }
  // off by default or outside a window: the autoscaling minimum must not keep it on (E0602)
  default: ("on"|"off")(this == "on" || scale.min == 0) = "on"
  window: Window?(this == null || scale.min == 0)
  access: "private"|"vpn"|"public" = "private"
  port: Port = 3000
  publicIp: Boolean(!this || access == "public") = false                       // E0604
  ingress: Listing<Cidr>(access == "public" || !toList().contains("0.0.0.0/0")) = new {}  // E0604
  idle: Duration(isBetween(1.min, 1.d))?                                        // E0420
}
class Aurora {
  // sfdc's modules build PostgreSQL only (E0515)
  engine: ("postgres13"|"postgres14"|"postgres15"|"postgres16"|"mysql8")(this != "mysql8") = "postgres16"
  // a version AWS released for the engine (E0523), that pauses when capacity starts at 0 (E0506)
  version: String(auroraVersions.contains(this), startsWith(engine.drop(8) + "."),
    capacity.min > 0 || pauses(this)) = "16.4"
  capacity: Capacity = new Capacity { min = 0; max = 2 }
  // 5m..24h, and only with a minimum of 0 ACU (E0506)
  autoPause: Duration(isBetween(5.min, 24.h), capacity.min == 0)?
  // RDS ports 1150..65535, and not MySQL's port on PostgreSQL (E0507)
  port: Int(isBetween(1150, 65535), this != 3306) = 5432
  deletionProtection: Boolean?
}
class Bucket {
  purpose: "data_store"|"workspace"|"shared"|"external_data"|"ingress"|"egress"|"other" = "other"
  versioned: Boolean = true
  encrypted: Boolean(this) = true                                               // E0606
  tlsOnly: Boolean(this) = true                                                 // E0606
  public: Boolean(!this) = false                                                // E0606
  readers: Listing<String> = new {}
  // whole days, at least 1 (S3 lifecycle Days: E0420)
  expire: Duration(isBetween(1.d, 2147483647.d), toUnit("d").value % 1 == 0)?
  name: S3Name                                                                  // E0502
  events: Boolean = false
}
class Account {
  name: String(matches(Regex(#"[a-z][a-z0-9-]*"#)))                             // E0804
  env: String
  kind: "core"|"organisation"|"la"
  id: AccountId
  parent: String?
  vpn: Cidr?
  region: "eu-west-2" = "eu-west-2"
  role: IamRoleName = "OrganizationAccountAccessRole"                           // E0508
  deletionProtection: Boolean = false
  // the network
  cidr: VpcCidr
  azs: Int(isBetween(1, 4), this <= 3) = 2            // eu-west-2 has 3 zones (E0516)
  nat: "none"|"single"|"per_az" = "none"
  gatewayEndpoints: Listing<"s3"|"dynamodb"> = new { "s3" }
  ecr: Mapping<String, Ecr> = new {}
  services: Mapping<ServiceName, Service> = new {}
  aurora: Mapping<String, Aurora> = new {}
  buckets: Mapping<String, Bucket> = new {}
  // every window of an account in one time zone (E0652)
  windowZones: List<String>(toSet().length <= 1) =
    services.toMap().values.filter((s) -> s.window != null).map((s) -> s.window.split(" ").last)
  // the names sfdc derives for the account's resources, under AWS's rules
  hidden prefix: String = "bench-\(env)-\(name)"
  stateBucket: S3Name = "bench-tfstate-\(id)"                                   // E0502
  networkName: NetworkName = prefix
  clusterName: ClusterName? = if (services.isEmpty) null else prefix
  ecrNames: List<EcrName> = ecr.keys.toList().map((k) -> "\(env)-\(k)")          // E0504
  taskFamilies: List<TaskFamily> = services.keys.toList().map((k) -> "\(prefix)-\(k)")
  taskRoles: List<IamRoleName> = services.keys.toList().flatMap((k) ->           // E0508
    let (r = "\(prefix)-\(k.replaceAll("_", "-"))") List("\(r)-task", "\(r)-exec"))
  loadBalancers: List<LbName> = services.toMap().filter((_, s) -> s.access != "private").keys.toList()
    .map((k) -> "\(env)-\(name)-\(k.replaceAll("_", "-"))")
  dbNames: List<DbName> = aurora.keys.toList().map((k) -> "\(prefix)-\(k.replaceAll("_", "-"))")
}

function bucket(envName: String, account: String, key: String, p: String, exp: Duration?, rd: Listing<String>): Bucket = new {
  purpose = p
  expire = exp
  readers = rd
  name = "bench-\(envName)-\(account)-\(key.replaceAll("_", "-"))"
}

local core: Account = new {
  name = "core"; env = "base"; kind = "core"; id = "111111111111"; cidr = "10.251.0.0/16"; vpn = "10.250.0.0/16"
  ecr { ["dagster"] { name = "dagster"; keep = 30 } }
}
local org: Account = new {
  name = "org"; env = "base"; kind = "organisation"; id = "999999999999"; parent = "core"; cidr = "10.252.0.0/16"
}
// Each environment has accounts of its own: prod's ids are stage's with 3 for 2,
// core's and org's as in platform.sfd.
local function envId(envName: String, stage: String, prod: String): String = if (envName == "prod") prod else stage

function la(envName: String, code: String, id_: String, cidr_: String): Account = new {
  name = "la-\(code)"; env = envName; kind = "la"; id = id_; parent = "core"; cidr = cidr_; nat = "single"
  services {
    ["daemon"] { image = core.ecr["dagster"]; tag = "2026.12.1"; vcpu = 0.25; memoryGiB = 1
                 scale { min = 0; max = 1 }; window = "Mon-Fri 23:00-05:00 Europe/London" }
    ["code_server"] { image = core.ecr["dagster"]; tag = "2026.12.1"; vcpu = 0.25; memoryGiB = 1
                      scale { min = 0; max = 1 } }
    ["webserver"] { image = core.ecr["dagster"]; tag = "2026.12.1"; vcpu = 0.5; memoryGiB = 1
                    default = "off"; access = "vpn" }
  }
  aurora { ["dagster"] { capacity { min = 0; max = 4 }; autoPause = 30.min } }
  buckets {
    ["data_store"] = bucket(envName, name, "data_store", "data_store", 2190.d, new Listing<String> {})
    ["workspace"] = bucket(envName, name, "workspace", "workspace", 90.d, new Listing<String> {})
    ["shared"] = bucket(envName, name, "shared", "shared", null, new Listing<String> { "org" })
    ["external_data"] = bucket(envName, name, "external_data", "external_data", null, new Listing<String> {})
  }
}

'''

PKL_TAIL = r'''
// One environment's accounts: its ids, and prod's one override (la-la00000's
// daemon has 2 GiB), as platform.sfd's environment blocks say.
local function accountsOf(envName: String): Listing<Account> = new {
  (core) { id = envId(envName, "111111111111", "111111111112"); env = envName }
  (org) { id = envId(envName, "999999999999", "999999999998"); env = envName }
  for (r in las) {
    when (envName == "prod" && r[0] == "la00000") {
      (la(envName, r[0], r[2], r[3])) { services { ["daemon"] { memoryGiB = 2 } } }
    } else {
      la(envName, r[0], envId(envName, r[1], r[2]), r[3])
    }
  }
  for (a in extra(envName)) { (a) { id = envId(envName, a.id, "3" + a.id.drop(1)) } }
}

class Environment {
  name: String
  accounts: Listing<Account>
  // a production environment (prod, or deployed on tags) protects its databases (E0607)
  deletionProtection: Boolean(this || (name != "prod" && trigger != "tags")) = false
  // Secrets Manager's recovery window: 0d, or 7d to 30d (E0420)
  secretRecovery: Duration(this == 0.d || isBetween(7.d, 30.d)) = 30.d
  scheduledOn: Boolean = false
  triggers: "on"|"off" = "on"
  trigger: String = "manual"
  // platform-wide rules, over every account of the environment
  hidden all: List<Account> = accounts.toList()
  hidden names: Set<String> = all.map((a) -> a.name).toSet()
  accountNames: List<String>(isDistinct) = all.map((a) -> a.name)               // E0302
  accountIds: List<String>(isDistinct) = all.map((a) -> a.id)                   // E0509
  // S3 bucket names are global: no two buckets of an environment, state buckets
  // included, share one (E0503)
  bucketNames: List<String>(isDistinct) =
    all.flatMap((a) -> a.buckets.toMap().values.map((b) -> b.name).add(a.stateBucket))
  // references: parents and readers are accounts of the environment (E0301)
  references: Boolean(this) = all.every((a) -> (a.parent == null || names.contains(a.parent))
    && a.buckets.toMap().values.every((b) -> b.readers.toList().every((r) -> names.contains(r))))
  // no two VPCs, nor a VPC and the VPN, overlap (E0512): sorted by start, each block
  // ends before the next starts
  hidden blocks: List<Pair<Int, Int>> = all.flatMap((a) -> List(Pair(firstOf(a.cidr), lastOf(a.cidr)))
    + (if (a.vpn == null) List() else List(Pair(firstOf(a.vpn), lastOf(a.vpn))))).sortBy((b) -> b.first)
  noOverlap: Boolean(this) = blocks.zip(blocks.drop(1)).every((p) -> p.first.second < p.second.first)
  // databases of a protected environment keep their protection (E0607)
  dbProtection: Boolean(this) = !deletionProtection
    || all.every((a) -> a.aurora.toMap().values.every((d) -> d.deletionProtection != false))
  // an off-by-default service switched on by a window in production (E0603)
  scheduledOnOk: Boolean(this) = scheduledOn || (name != "prod" && !deletionProtection)
    || all.every((a) -> a.services.toMap().values.every((s) -> s.default == "on" || s.window == null))
  deployerRole: IamRoleName = "bench-\(name)-deployer"                          // E0508
  vpnHub: TgwName = "bench-\(name)-vpn"
}
environments: Mapping<String, Environment> = new {
  ["stage"] { name = "stage"; accounts = accountsOf("stage"); trigger = "main" }
  ["prod"] { name = "prod"; accounts = accountsOf("prod"); trigger = "tags"; deletionProtection = true }
}

output {
  value = new Dynamic { environments = module.environments }
  renderer = new JsonRenderer {
    omitNullProperties = false
    converters { [Duration] = (d) -> d.toUnit("s").value }
  }
}
'''


def pkl_inject(inject):
    scale, repo, names = inject_settings(inject)
    lo, hi = scale["daemon"]
    b = []
    for name, days, readers in BUCKETS:
        exp = "%d.d" % days if days else "null"
        rd = "new Listing<String> { %s }" % " ".join('"%s"' % r for r in readers)
        call = 'bucket(envName, "la-inject", "%s", "%s", %s, %s)' % (name, name, exp, rd)
        if name in names:
            call = '(%s) { name = "%s" }' % (call, names[name])
        b.append('      ["%s"] = %s' % (name, call))
    return '''  new Account {
    name = "la-inject"; env = envName; kind = "la"; id = "%s"; parent = "core"; cidr = "%s"; nat = "single"
    services {
      ["daemon"] { image = core.ecr["%s"]; tag = "2026.12.1"; vcpu = 0.25; memoryGiB = 1
                   scale { min = %d; max = %d }; window = "Mon-Fri 23:00-05:00 Europe/London" }
      ["code_server"] { image = core.ecr["%s"]; tag = "2026.12.1"; vcpu = 0.25; memoryGiB = 1
                        scale { min = 0; max = 1 } }
      ["webserver"] { image = core.ecr["%s"]; tag = "2026.12.1"; vcpu = 0.5; memoryGiB = 1
                      default = "off"; access = "vpn" }
    }
    aurora { ["dagster"] { capacity { min = 0; max = 4 }; autoPause = 30.min } }
    buckets {
%s
    }
  }
''' % (INJECT_ID, INJECT_CIDR, repo, lo, hi, repo, repo, "\n".join(b))


def write_pkl(n, path, inject):
    with open(path, "w") as f:
        f.write(PKL_HEAD)
        f.write("local las = List(\n")
        f.write(",\n".join('  List("%s", "%s", "%s", "%s")' % (c, i, prod_id(i), r) for c, i, r in rows(n)))
        f.write("\n)\n")
        f.write("local function extra(envName: String): Listing<Account> = new {\n%s}\n" % (pkl_inject(inject) if inject else ""))
        f.write(PKL_TAIL)


def write_pkl_tree(d):
    """tree.pkl (Pkl writing the tree `sfdc build --env prod` writes), and the
    stdlib it reads sfdc's Terraform modules from, as a link."""
    shutil.copyfile(os.path.join(HERE, "tree.pkl"), os.path.join(d, "tree.pkl"))
    link = os.path.join(d, "stdlib")
    if not os.path.islink(link):
        os.symlink(os.path.join(HERE, "..", "..", "stdlib"), link)


# ---- Jsonnet ---------------------------------------------------------------

JSONNET_HEAD = r'''// Generated by bench/peers/gen.py: the bench platform in Jsonnet.
// The rules sfdc checks that are cheap to state with `assert` (numbers, lengths,
// table lookups, sets); Jsonnet has no regular expressions, so name patterns,
// CIDR validity and overlaps are not stated (bench/README.md lists what is).
local range(lo, hi) = { min: lo, max: hi, assert self.max >= self.min : 'scale max below min' };
local all(xs) = std.foldl(function(a, b) a && b, xs, true);
local fargateRows = {
  '512': [1024, 4096, 1024], '1024': [2048, 8192, 1024], '2048': [4096, 16384, 1024],
  '4096': [8192, 30720, 1024], '8192': [16384, 61440, 4096], '16384': [32768, 122880, 8192],
};
local fargateOk(cpu, mib) =  // E0501
  if cpu == 256 then std.member([512, 1024, 2048], mib)
  else local k = std.toString(cpu);
    std.objectHas(fargateRows, k) && mib >= fargateRows[k][0] && mib <= fargateRows[k][1]
    && (mib - fargateRows[k][0]) % fargateRows[k][2] == 0;
local service(image, vcpu, gib) = {
  image: image, tag: 'latest', vcpu: vcpu, memoryGiB: gib, scale: range(0, 1), default: 'on',
  window: null, access: 'private', port: 3000, publicIp: false,
  assert self.vcpu >= 0.125 && self.vcpu <= 16 : 'cpu outside 128 cpu..16 vcpu',
  assert self.memoryGiB * 1024 >= 128 : 'memory below 128 MiB',
  assert fargateOk(self.vcpu * 1024, self.memoryGiB * 1024) : 'no Fargate task size with this cpu and memory',
  assert self.scale.min >= 0 && self.scale.max <= 5000 : 'scale outside 0..5000',
  assert self.scale.min == 0 || (self.default == 'on' && self.window == null) :
    'the autoscaling minimum keeps an off service running',  // E0602
  assert std.length(self.tag) >= 1 && std.length(self.tag) <= 128 : 'image tag of 1..128 characters',
  assert !(self.tag == 'latest' && self.image.immutable) : '`latest` of an immutable registry',  // E0609
  assert self.port >= 1 && self.port <= 65535 : 'port outside 1..65535',
  assert !(self.publicIp && self.access == 'vpn') : 'public IP on a VPN-only service',  // E0604
};
local acu(x) = x >= 0 && x <= 256 && x * 2 % 1 == 0;
local aurora(lo, hi, pauseMin) = {
  engine: 'postgres16', version: '16.4', capacity: range(lo, hi), autoPauseMin: pauseMin,
  port: 5432, deletionProtection: null,
  assert std.member(['postgres13', 'postgres14', 'postgres15', 'postgres16'], self.engine) : 'engine',
  assert acu(self.capacity.min) && acu(self.capacity.max) : 'ACU outside 0..256 in 0.5 steps',
  assert self.capacity.max >= 1 : 'maximum capacity below 1 ACU',  // E0505
  assert self.autoPauseMin == null
         || (self.autoPauseMin >= 5 && self.autoPauseMin <= 1440 && self.capacity.min == 0) :
    'auto-pause: 5m..24h, with a minimum of 0 ACU',  // E0506
  assert self.port >= 1150 && self.port <= 65535 && self.port != 3306 : 'RDS port',  // E0507
};
local bucket(env, account, key, purpose, expireDays, readers) = {
  purpose: purpose, expireDays: expireDays, readers: readers, encrypted: true, tlsOnly: true,
  public: false, name: 'bench-' + env + '-' + account + '-' + std.strReplace(key, '_', '-'),
  assert std.length(self.name) >= 3 && std.length(self.name) <= 63 : 'bucket name of 3..63 characters',
  assert self.expireDays == null || (self.expireDays >= 1 && self.expireDays % 1 == 0) : 'expiry in whole days',
  assert self.encrypted && self.tlsOnly && !self.public : 'unsafe bucket',  // E0606
};
local account = {
  local prefix = 'bench-' + self.env + '-' + self.name,
  env: 'base', parent: null, vpn: null, ecr: {}, services: {}, aurora: {}, buckets: {},
  role: 'OrganizationAccountAccessRole',
  stateBucket: 'bench-tfstate-' + self.id,
  // the account's own rules, in a hidden field that norm reads once: object asserts
  // would run again at every access of one of its fields
  checked::
    assert std.length(self.id) == 12 : 'account id must have 12 digits';
    assert std.length(self.stateBucket) <= 63 : 'state bucket name over 63 characters';  // E0502
    assert std.length(prefix) <= 48 : 'network name over 48 characters';
    assert all([std.length(prefix + '-' + k + '-task') <= 64 for k in std.objectFields(self.services)]) :
      'IAM role name over 64 characters';  // E0508
    assert all([std.length(self.env + '-' + self.name + '-' + k) <= 32
                for k in std.objectFields(self.services) if self.services[k].access != 'private']) :
      'load balancer name over 32 characters';
    assert all([std.length(prefix + '-' + k) <= 60 for k in std.objectFields(self.aurora)]) :
      'database identifier over 60 characters';
    true,
};
local core = account {
  name: 'core', kind: 'core', id: '111111111111', cidr: '10.251.0.0/16', vpn: '10.250.0.0/16',
  ecr: { dagster: { name: 'dagster', keep: 30, immutable: true, assert self.keep >= 1 && self.keep <= 20000 : 'keep' } },
};
local org = account {
  name: 'org', kind: 'organisation', id: '999999999999', parent: 'core', cidr: '10.252.0.0/16',
};
local la(env, code, id, cidr) = account {
  name: 'la-' + code, env: env, kind: 'la', id: id, parent: 'core', cidr: cidr, nat: 'single',
  services: {
    daemon: service(core.ecr.dagster, 0.25, 1) { tag: '2026.12.1', window: 'Mon-Fri 23:00-05:00 Europe/London' },
    code_server: service(core.ecr.dagster, 0.25, 1) { tag: '2026.12.1' },
    webserver: service(core.ecr.dagster, 0.5, 1) { tag: '2026.12.1', default: 'off', access: 'vpn' },
  },
  aurora: { dagster: aurora(0, 4, 30) },
  local n = self.name,
  buckets: {
    data_store: bucket(env, n, 'data_store', 'data_store', 2190, []),
    workspace: bucket(env, n, 'workspace', 'workspace', 90, []),
    shared: bucket(env, n, 'shared', 'shared', null, ['org']),
    external_data: bucket(env, n, 'external_data', 'external_data', null, []),
  },
};
'''

JSONNET_TAIL = '''
// One environment's accounts: its ids, and prod's one override (la-la00000's
// daemon has 2 GiB), as platform.sfd's environment blocks say.
local envId(env, stage, prod) = if env == 'prod' then prod else stage;
local prodOverride(env, a) =
  if env == 'prod' && a.name == 'la-la00000'
  then a { services+: { daemon+: { memoryGiB: 2 } } } else a;
local accountsOf(env) =
  [core { id: envId(env, '111111111111', '111111111112'), env: env },
   org { id: envId(env, '999999999999', '999999999998'), env: env }]
  + [prodOverride(env, la(env, r[0], envId(env, r[1], r[2]), r[3])) for r in las]
  + [a { id: envId(env, super.id, '3' + std.substr(super.id, 1, 11)) } for a in extra(env)];
local norm(a) = assert a.checked; {
  id: a.id, kind: a.kind, parent: a.parent, cidr: a.cidr, state_bucket: a.stateBucket,
  ecr: { [k]: { keep: a.ecr[k].keep } for k in std.objectFields(a.ecr) },
  services: { [k]: local s = a.services[k]; {
    image: s.image.name, cpu: std.floor(s.vcpu * 1024), memory: std.floor(s.memoryGiB * 1024),
    scale: [s.scale.min, s.scale.max], default: s.default, window: s.window, access: s.access,
  } for k in std.objectFields(a.services) },
  aurora: { [k]: local d = a.aurora[k]; {
    capacity: [d.capacity.min, d.capacity.max], auto_pause: d.autoPauseMin * 60,
  } for k in std.objectFields(a.aurora) },
  buckets: { [k]: local b = a.buckets[k]; {
    purpose: b.purpose, readers: b.readers,
    expire: if b.expireDays == null then null else b.expireDays * 86400,
  } for k in std.objectFields(a.buckets) },
};
local environment(env) =
  local accounts = accountsOf(env);
  local names = std.flattenArrays([[b.name for b in std.objectValues(a.buckets)] + [a.stateBucket]
                                   for a in accounts]);
  local ids = [a.id for a in accounts];
  // S3 bucket names are global: no two buckets of an environment share one (E0503).
  assert std.length(std.set(names)) == std.length(names) : 'duplicate bucket name';
  assert std.length(std.set(ids)) == std.length(ids) : 'duplicate account id';  // E0509
  {
    accounts: { [a.name]: norm(a) for a in accounts },
    buckets: std.length(names),
  };
{ environments: { stage: environment('stage'), prod: environment('prod') } }
'''


def jsonnet_inject(inject):
    scale, repo, names = inject_settings(inject)
    lo, hi = scale["daemon"]
    b = []
    for name, days, readers in BUCKETS:
        call = "bucket(env, n, '%s', '%s', %s, [%s])" % (name, name, days if days else "null",
                                                   ", ".join("'%s'" % r for r in readers))
        if name in names:
            call += " { name: '%s' }" % names[name]
        b.append("      %s: %s," % (name, call))
    return '''  la(env, 'inject', '%s', '%s') {
    services: {
      daemon: service(core.ecr.%s, 0.25, 1) { tag: '2026.12.1',
        window: 'Mon-Fri 23:00-05:00 Europe/London', scale: range(%d, %d) },
      code_server: service(core.ecr.%s, 0.25, 1) { tag: '2026.12.1' },
      webserver: service(core.ecr.%s, 0.5, 1) { tag: '2026.12.1', default: 'off', access: 'vpn' },
    },
    local n = self.name,
    buckets: {
%s
    },
  },
''' % (INJECT_ID, INJECT_CIDR, repo, lo, hi, repo, repo, "\n".join(b))


def write_jsonnet(n, path, inject):
    with open(path, "w") as f:
        f.write(JSONNET_HEAD)
        f.write("local las = [\n")
        f.write("\n".join("  ['%s', '%s', '%s', '%s']," % (c, i, prod_id(i), r) for c, i, r in rows(n)))
        f.write("\n];\n")
        f.write("local extra(env) = [\n%s];\n" % (jsonnet_inject(inject) if inject else ""))
        f.write(JSONNET_TAIL)


# ---- Terraform -------------------------------------------------------------

TF_LA_MODULE = '''# Generated by bench/peers/gen.py: one local-authority account.
variable "name" {
  type = string
}

variable "account_id" {
  type = string
  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "The account id must have 12 digits."
  }
}

variable "cidr" {
  type = string
  validation {
    condition     = can(cidrhost(var.cidr, 0))
    error_message = "The network must be a CIDR block."
  }
}

variable "image" {
  type = object({ name = string, url = string })
}

variable "scale" {
  type = map(object({ min = number, max = number }))
  default = {
    daemon      = { min = 0, max = 1 }
    code_server = { min = 0, max = 1 }
    webserver   = { min = 0, max = 1 }
  }
  validation {
    condition     = alltrue([for s in values(var.scale) : s.max >= s.min])
    error_message = "A scale range's max is below its min."
  }
}

variable "bucket_names" {
  type    = map(string)
  default = {}
  validation {
    condition     = length(distinct(values(var.bucket_names))) == length(var.bucket_names)
    error_message = "Two buckets share a name."
  }
}

variable "vpn_cidr" {
  type = string
}

locals {
  services = {
    daemon      = { vcpu = 0.25, gib = 1, default = "on", window = "Mon-Fri 23:00-05:00 Europe/London", access = "private" }
    code_server = { vcpu = 0.25, gib = 1, default = "on", window = null, access = "private" }
    webserver   = { vcpu = 0.5, gib = 1, default = "off", window = null, access = "vpn" }
  }
  buckets = {
    data_store    = { expire_days = 2190, readers = [] }
    workspace     = { expire_days = 90, readers = [] }
    shared        = { expire_days = null, readers = ["org"] }
    external_data = { expire_days = null, readers = [] }
  }
  bucket_names = merge({ for k, _ in local.buckets : k => "bench-${var.name}-${replace(k, "_", "-")}" }, var.bucket_names)
  names        = values(local.bucket_names)
}

resource "aws_vpc" "this" {
  cidr_block = var.cidr
}

resource "aws_ecs_cluster" "this" {
  name = var.name
}

resource "aws_ecs_task_definition" "this" {
  for_each                 = local.services
  family                   = "${var.name}-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = floor(each.value.vcpu * 1024)
  memory                   = each.value.gib * 1024
  container_definitions    = jsonencode([{ name = each.key, image = var.image.url, essential = true }])
}

resource "aws_ecs_service" "this" {
  for_each        = local.services
  name            = each.key
  cluster         = aws_ecs_cluster.this.id
  task_definition = aws_ecs_task_definition.this[each.key].arn
  desired_count   = each.value.default == "on" ? var.scale[each.key].min : 0
  capacity_provider_strategy {
    capacity_provider = "FARGATE_SPOT"
    weight            = 1
  }
}

resource "aws_rds_cluster" "dagster" {
  cluster_identifier = "${var.name}-dagster"
  engine             = "aurora-postgresql"
  engine_version     = "16.4"
  port               = 5432
  serverlessv2_scaling_configuration {
    min_capacity             = 0
    max_capacity             = 4
    seconds_until_auto_pause = 1800
  }
}

resource "aws_s3_bucket" "this" {
  for_each = local.buckets
  bucket   = local.bucket_names[each.key]
}

resource "aws_s3_bucket_versioning" "this" {
  for_each = local.buckets
  bucket   = aws_s3_bucket.this[each.key].id
  versioning_configuration {
    status = "Enabled"
  }
}

output "names" {
  value = local.names
}

output "settings" {
  value = {
    id           = var.account_id
    kind         = "la"
    parent       = "core"
    cidr         = var.cidr
    state_bucket = "bench-tfstate-${var.account_id}"
    ecr          = {}
    services = { for k, s in local.services : k => {
      image   = var.image.name
      cpu     = floor(s.vcpu * 1024)
      memory  = s.gib * 1024
      scale   = [var.scale[k].min, var.scale[k].max]
      default = s.default
      window  = s.window
      access  = s.access
    } }
    aurora = { dagster = { capacity = [0, 4], auto_pause = 30 * 60 } }
    buckets = { for k, b in local.buckets : k => {
      purpose = k
      expire  = b.expire_days == null ? null : b.expire_days * 86400
      readers = b.readers
    } }
  }
}
'''

TF_ROOT_HEAD = '''# Generated by bench/peers/gen.py: the bench platform in plain Terraform.
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

provider "aws" {
  region                      = "eu-west-2"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}

resource "aws_ecr_repository" "dagster" {
  name = "dagster"
}

resource "aws_ecr_lifecycle_policy" "dagster" {
  repository = aws_ecr_repository.dagster.name
  policy = jsonencode({ rules = [{ rulePriority = 1, action = { type = "expire" },
  selection = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = 30 } }] })
}

locals {
  core = { id = "111111111111", kind = "core", parent = null, cidr = "10.251.0.0/16",
    state_bucket = "bench-tfstate-111111111111", ecr = { dagster = { keep = 30 } },
  services = {}, aurora = {}, buckets = {} }
  org = { id = "999999999999", kind = "organisation", parent = "core", cidr = "10.252.0.0/16",
    state_bucket = "bench-tfstate-999999999999", ecr = {},
  services = {}, aurora = {}, buckets = {} }
  vpn = "10.250.0.0/16"
}

'''


def tf_call(mod, name, acct, cidr, repo="dagster", scale=None, names=None):
    out = ['module "%s" {' % mod, '  source     = "./modules/la"', '  name       = "%s"' % name,
           '  account_id = "%s"' % acct, '  cidr       = "%s"' % cidr,
           '  image      = { name = aws_ecr_repository.%s.name, url = aws_ecr_repository.%s.repository_url }' % (repo, repo),
           '  vpn_cidr   = local.vpn']
    if scale:
        out.append('  scale = {')
        for s, _, _, rng, _, _, _ in SERVICES:
            lo, hi = scale.get(s, rng)
            out.append('    %-11s = { min = %d, max = %d }' % (s, lo, hi))
        out.append('  }')
    if names:
        out.append('  bucket_names = {')
        out += ['    %-10s = "%s"' % kv for kv in names.items()]
        out.append('  }')
    return "\n".join(out + ['}', ''])


def write_tf(n, d, inject):
    os.makedirs(os.path.join(d, "modules", "la"), exist_ok=True)
    with open(os.path.join(d, "modules", "la", "main.tf"), "w") as f:
        f.write(TF_LA_MODULE)
    mods = []
    with open(os.path.join(d, "main.tf"), "w") as f:
        f.write(TF_ROOT_HEAD)
        for code, acct, cidr in rows(n):
            mods.append(("la_" + code, "la-" + code))
            f.write(tf_call(mods[-1][0], mods[-1][1], acct, cidr) + "\n")
        if inject:
            scale, repo, names = inject_settings(inject)
            mods.append(("la_inject", "la-inject"))
            f.write(tf_call("la_inject", "la-inject", INJECT_ID, INJECT_CIDR, repo, scale, names) + "\n")
        f.write('output "accounts" {\n  value = merge({ core = local.core, org = local.org }, {\n')
        w = max(len(name) for _, name in mods) + 2
        f.write("".join('    %-*s = module.%s.settings\n' % (w, '"%s"' % name, mod) for mod, name in mods))
        f.write('  })\n}\n')


def main():
    args = sys.argv[1:]
    inject = None
    if len(args) == 4 and args[2] == "--inject" and args[3] in ("range", "ecr", "dupbucket"):
        inject = args[3]
    elif len(args) != 2:
        sys.exit("usage: gen.py N DIR [--inject range|ecr|dupbucket]")
    n, d = int(args[0]), args[1]
    os.makedirs(d, exist_ok=True)
    write_sfd(n, os.path.join(d, "platform.sfd"), inject)
    write_pkl(n, os.path.join(d, "platform.pkl"), inject)
    write_pkl_tree(d)
    write_jsonnet(n, os.path.join(d, "platform.jsonnet"), inject)
    write_tf(n, os.path.join(d, "tf"), inject)


if __name__ == "__main__":
    main()
