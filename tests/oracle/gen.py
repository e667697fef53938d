"""Inputs for the differential oracle (tests/oracle/run.py).

Two kinds of platform, each a dict {file name: source text}, made
deterministically from a seed:
  generate(rnd)        a random platform: accounts, networks, registries,
                       clusters, services, databases, buckets and tags, with
                       values drawn mostly from what AWS accepts and often from
                       its edges (largest Fargate sizes, 256 ACU, 20,000 images,
                       port 65535, /28 blocks, 50 tags, names at their length
                       limits) and now and then just past them.
  mutate_example(rnd)  examples/sfdata with a few of its values replaced by
                       such edge values (and its environments kept).
The oracle's claim is about what `sfdc check` accepts; inputs it rejects are
fine, so the generator may aim at the edges without knowing every rule.
"""
import json
import os
import re

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _zones(v):
    """How many zones `azs` may ask for: sfdc takes the letters a, b, c... in
    order, up to the number one account may use."""
    n = 0
    while n < len(v["zones"]) and v["zones"][n] == "abcdef"[n]:
        n += 1
    return min(n, v.get("usable", n))


ZONES = {r: _zones(v) for r, v in
         json.load(open(os.path.join(_ROOT, "stdlib", "aws", "regions.json")))["regions"].items()}

REGIONS = ["eu-west-2", "eu-west-1", "eu-west-3", "eu-central-1", "eu-north-1", "us-east-1",
           "us-west-1", "us-west-2", "ca-central-1", "ap-southeast-2", "ap-northeast-1"]

# Fargate task sizes (CPU units -> memory MiB), from the ECS developer guide.
FARGATE = {
    256: [512, 1024, 2048],
    512: [1024, 2048, 3072, 4096],
    1024: list(range(2048, 8193, 1024)),
    2048: list(range(4096, 16385, 1024)),
    4096: list(range(8192, 30721, 1024)),
    8192: list(range(16384, 61441, 4096)),
    16384: list(range(32768, 122881, 8192)),
}
PG_VERSIONS = {13: ["13.9", "13.12", "13.15", "13.18", "13.20"],
               14: ["14.3", "14.6", "14.10", "14.12", "14.15", "14.17"],
               15: ["15.2", "15.4", "15.7", "15.10", "15.12"],
               16: ["16.1", "16.2", "16.3", "16.4", "16.6", "16.8"]}
RDS_CLASSES = ["db.t4g.micro", "db.t4g.small", "db.t3.micro", "db.m6g.large", "db.r6g.xlarge",
               "db.m5.large", "db.r7g.large", "db.t4g.medium"]
INSTANCE_TYPES = ["t3.medium", "t3a.medium", "m6i.large", "m5.large", "c6i.xlarge", "t3.micro",
                  "r6i.large", "m7g.large"]
ENDPOINTS = ["ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssm", "sts"]
WINDOWS = ["Mon-Fri 23:00-05:00 Europe/London", "Mon-Sun 01:00-03:00 UTC",
           "Sat 00:00-23:59 Europe/London", "Mon-Fri 08:00-18:00 America/New_York",
           "Tue,Thu 12:00-13:00 UTC"]


def pick(rnd, *choices):
    """One of the choices; each is (weight, value)."""
    total = sum(w for w, _ in choices)
    x = rnd.uniform(0, total)
    for w, v in choices:
        x -= w
        if x <= 0:
            return v
    return choices[-1][1]


def ident(rnd, lo, hi, alphabet="abcdefghijklmnopqrstuvwxyz0123456789", sep="_"):
    """A lowercase identifier of lo..hi characters, with separators inside."""
    n = rnd.randint(lo, hi)
    s = rnd.choice("abcdefghijklmnopqrstuvwxyz")
    while len(s) < n:
        c = rnd.choice(alphabet + sep * 2)
        if c in sep and (s[-1] in sep or len(s) == n - 1):
            continue
        s += c
    return s


def account_name(rnd, taken):
    while True:
        n = pick(rnd, (16, ident(rnd, 2, 10, sep="-")), (2, ident(rnd, 14, 22, sep="-")),
                 (1, ident(rnd, 40, 60, sep="-")))
        n = "la-" + n if rnd.random() < 0.6 else n
        if n not in taken and n not in ("core", "org", "all"):
            taken.add(n)
            return n


def block_name(rnd, taken):
    while True:
        n = pick(rnd, (12, ident(rnd, 3, 12)), (1, ident(rnd, 16, 24)), (1, ident(rnd, 30, 40)))
        if n not in taken:
            taken.add(n)
            return n


def quantity_mib(mib):
    return f"{mib // 1024} GiB" if mib % 1024 == 0 else f"{mib} MiB"


def cpu_text(units):
    return f"{units / 1024:g} vcpu" if units % 256 == 0 else f"{units} cpu"


def service(rnd, name, acct, ecrs, clusters, has_vpn, window, region="eu-west-2", acct_id="111111111111"):
    lines = [f"service {name} {{"]
    if ecrs:
        lines.append(f"  image = {rnd.choice(ecrs)}")
    ec2 = [c for c, compute in clusters if compute == "ec2"]
    compute = "ec2" if ec2 and rnd.random() < 0.4 else "fargate"
    if compute == "ec2":
        lines.append("  compute = ec2")
        lines.append(f"  cluster = {acct}.cluster.{rnd.choice(ec2)}")
        cpu = rnd.choice([128, 256, 512, 1024, 2048])
        mem = rnd.choice([128, 256, 512, 1024, 2048, 3072])
    else:
        cpu = pick(rnd, (5, 256), (3, 512), (3, 1024), (2, 2048), (1, 4096), (1, 8192), (1, 16384))
        mem = rnd.choice(FARGATE[cpu])
        if rnd.random() < 0.04:
            mem += rnd.choice([512, 1024, -256])
        fargate_clusters = [c for c, compute_ in clusters if compute_ == "fargate"]
        if fargate_clusters and rnd.random() < 0.5:
            lines.append(f"  cluster = {acct}.cluster.{rnd.choice(fargate_clusters)}")
    lines.append(f"  cpu = {cpu_text(cpu)}")
    lines.append(f"  memory = {quantity_mib(mem)}")
    if rnd.random() < 0.2:
        lines.append("  spot = false")
    windowed = rnd.random() < 0.4
    off = rnd.random() < 0.25
    lo = 0 if (windowed or off) and rnd.random() < 0.95 else pick(rnd, (5, 0), (2, 1), (1, 2))
    hi = lo + pick(rnd, (8, 1), (3, rnd.randint(2, 20)), (1, 5000 - lo), (1, 0))
    lines.append(f"  scale = {lo}..{hi}")
    if windowed:
        lines.append(f'  window = "{window if rnd.random() < 0.95 else rnd.choice(WINDOWS)}"')
    if off:
        lines.append("  default = off")
    access = pick(rnd, (5, None), (3 if has_vpn else 0, "vpn(core.vpn)"), (1, "private()"),
                  (1, "public()"))
    if access:
        lines.append(f"  access = {access}")
    if access == "public()" and rnd.random() < 0.5:
        where = region if rnd.random() < 0.9 else "us-east-1"
        lines.append(f'  certificate = "arn:aws:acm:{where}:{acct_id}:certificate/{ident(rnd, 8, 36, sep="-")}"')
    if rnd.random() < 0.15:
        lines.append(f"  ingress = [10.{rnd.randint(50, 99)}.0.0/{rnd.choice([16, 24, 28])}]")
    if rnd.random() < 0.15:
        lines.append(f'  secrets = {{ DB_PASSWORD = ssm("/{acct}/{name}/db") }}')
    if rnd.random() < 0.4:
        lines.append(f"  port = {pick(rnd, (1, 1), (1, 80), (2, 8080), (1, 65535), (1, 1024), (1, 3000))}")
    if rnd.random() < 0.3:
        lines.append('  env = { MODE = "batch", LOG_LEVEL = "info" }')
    if rnd.random() < 0.95:     # registries are immutable: `latest` is E0609
        lines.append(f'  tag = "{pick(rnd, (6, "v1.2.3"), (1, "a" * 128), (1, "release_2024.1-rc"))}"')
    lines.append("}")
    return lines


def aurora(rnd, name):
    major = rnd.choice([13, 14, 15, 16])
    version = rnd.choice(PG_VERSIONS[major])
    lo = pick(rnd, (4, 0), (3, 0.5), (1, 1), (1, 2))
    hi = pick(rnd, (8, rnd.choice([1, 2, 4, 8])), (1, 128), (1, 128.5), (1, 256), (1, 64.5))
    lines = [f"aurora {name} {{", f"  engine = postgres{major}", f'  version = "{version}"',
             f"  capacity = {lo:g}..{hi:g} acu"]
    pauses = int(version.split(".")[1]) >= {13: 15, 14: 12, 15: 7, 16: 3}[major]
    if lo == 0 and not pauses and rnd.random() < 0.9:
        lo = 0.5
    if lo == 0 and rnd.random() < 0.8:
        lines.append(f"  auto_pause = {pick(rnd, (3, '30m'), (1, '5m'), (1, '24h'), (1, '2h'))}")
    if rnd.random() < 0.2:
        lines.append("  deletion_protection = true")
    lines.append("}")
    return lines


def rds(rnd, name):
    major = rnd.choice([13, 14, 15, 16])
    version = rnd.choice(PG_VERSIONS[major])
    storage = pick(rnd, (4, "20 GiB"), (2, "100 GiB"), (1, "64 TiB"), (1, "65536 GiB"), (1, "16 TiB"))
    return [f"rds {name} {{", f"  engine = postgres{major}", f'  version = "{version}"',
            f'  class = "{rnd.choice(RDS_CLASSES)}"', f"  storage = {storage}", "}"]


def bucket(rnd, name, readers):
    purpose = rnd.choice(["data_store", "workspace", "shared", "external_data", "ingress",
                          "egress", "other"])
    parts = [f"purpose = {purpose}"]
    if rnd.random() < 0.4:
        parts.append(f"expire = {pick(rnd, (3, '90d'), (1, '1d'), (1, '3650d'), (1, '2147483647d'))}")
    if rnd.random() < 0.2:
        parts.append("versioned = false")
    if readers and rnd.random() < 0.3:
        parts.append(f"readers = [{rnd.choice(readers)}]")
    if rnd.random() < 0.15:
        n = pick(rnd, (1, ident(rnd, 3, 3, sep="-")), (1, ident(rnd, 63, 63, sep="-")),
                 (2, ident(rnd, 20, 40, sep="-")))
        parts.append(f'name = "{n}"')
    return [f"bucket {name} {{ " + "  ".join(parts) + " }"]


def network(rnd, cidr_octet, prefix, zones):
    lines = ["network {", f"  cidr = 10.{cidr_octet}.0.0/{prefix}"]
    azs = pick(rnd, (8, 2), (3, 3), (0.5, 1), (2, 4))
    if azs > zones and rnd.random() < 0.9:
        azs = zones
    if azs != 2:
        lines.append(f"  azs = {azs}")
    nat = pick(rnd, (1, None), (5, "single"), (1, "per_az"))   # no NAT: services need endpoints (E0806)
    if nat:
        lines.append(f"  nat = {nat}")
    if prefix <= 20 and rnd.random() < 0.2:
        # explicit private subnets of /(prefix+4), from slot 4 on, as the module would
        size = 1 << (32 - prefix - 4)
        subs = [f"10.{cidr_octet}.{((4 + i) * size) >> 8}.{((4 + i) * size) & 255}/{prefix + 4}" for i in range(azs)]
        lines.append("  private_subnets = [" + ", ".join(subs) + "]")
    if rnd.random() < 0.3:
        eps = rnd.sample(ENDPOINTS, rnd.randint(1, 4))
        lines.append("  endpoints = [" + ", ".join(f'"{e}"' for e in eps) + "]")
    lines.append("}")
    return lines


def account_body(rnd, name, kind, acct_id, octet, has_vpn, core_ecrs, readers, state):
    """The lines of one account; state collects ECR references for others."""
    lines = [f"account {name} {{", f"  kind = {kind}", f'  id = "{acct_id}"']
    if kind != "core":
        lines.append("  parent = core")
    if kind == "core" and has_vpn:
        lines.append("  vpn = 10.200.0.0/16")
    region = state["region"]
    if rnd.random() < 0.2:
        region = rnd.choice(REGIONS)
        lines.append(f"  region = {region}")
    body = []
    has_net = kind == "core" or rnd.random() < 0.85
    if has_net:
        body += network(rnd, octet, pick(rnd, (12, 16), (3, 20), (2, 24), (1, 26)), ZONES[region])
    taken = set()
    ecrs = list(core_ecrs)
    if kind == "core":
        for _ in range(rnd.randint(1, 2)):
            e = block_name(rnd, taken)
            keep = pick(rnd, (8, 30), (1, 1), (1, 20000), (1, 20001))
            body.append(f"ecr {e} {{ keep = {keep}  scan_on_push = {rnd.choice(['true', 'false'])} }}")
            state["ecrs"].append(f"core.ecr.{e}")
            ecrs.append(f"core.ecr.{e}")
    clusters = []
    if has_net and rnd.random() < 0.35:
        c = block_name(rnd, taken)
        compute = rnd.choice(["ec2", "fargate"])
        cl = [f"cluster {c} {{", f"  compute = {compute}"]
        if compute == "ec2":
            types = rnd.sample(INSTANCE_TYPES, rnd.randint(1, 2))
            cl.append("  instance_types = [" + ", ".join(f'"{t}"' for t in types) + "]")
            lo = pick(rnd, (3, 0), (1, 1))
            hi = lo + pick(rnd, (3, 2), (1, 10000 - lo), (1, 0))
            cl.append(f"  instances = {lo}..{hi}")
            if rnd.random() < 0.3:
                cl.append(f"  desired = {rnd.randint(lo, min(hi, lo + 3))}")
        cl.append("}")
        body += cl
        clusters.append((c, compute))
    if has_net and ecrs:
        window = rnd.choice(WINDOWS)
        for _ in range(pick(rnd, (2, 0), (4, 1), (3, 2), (1, 3))):
            body += service(rnd, block_name(rnd, taken), name, ecrs, clusters, has_vpn, window,
                            region, str(acct_id))
    if has_net and rnd.random() < 0.5:
        body += aurora(rnd, block_name(rnd, taken)) if rnd.random() < 0.75 else rds(rnd, block_name(rnd, taken))
    for _ in range(pick(rnd, (2, 0), (3, 1), (2, 2), (1, 4))):
        body += bucket(rnd, block_name(rnd, taken), readers)
    lines += ["", *("  " + line for line in body), "}", ""]
    return lines


def tags(rnd):
    n = pick(rnd, (10, 2), (2, 0), (1, 40), (2, 48), (1, 51))
    items = [f'  {ident(rnd, 2, 12)}_{k} = "{ident(rnd, 1, 20)}"' for k in range(n)]
    if n and rnd.random() < 0.2:
        items[0] = f'  {"k" * rnd.choice([120, 127, 127, 130])} = "{"v" * rnd.choice([200, 255, 255, 260])}"'
    return ["  tags = {", *items, "  }"] if items else []


def generate(rnd):
    """A random platform, one file."""
    pname = pick(rnd, (5, ident(rnd, 2, 8, sep="-")), (1, ident(rnd, 16, 24, sep="-")))
    has_vpn = rnd.random() < 0.7
    region = rnd.choice(REGIONS)
    lines = ["# generated by tests/oracle/gen.py", f"platform {pname} {{",
             f"  region = {region}", *tags(rnd), "  state {",
             f'    bucket = "{pname}-tfstate-${{account.id}}"',
             f"    lock = {rnd.choice(['lockfile', 'dynamodb'])}", "  }", "}", ""]
    ids = rnd.sample(range(100000000000, 999999999999), 8)
    state = {"region": region, "ecrs": []}
    ecrs = state["ecrs"]
    names = {"core"}
    lines += account_body(rnd, "core", "core", ids[0], 0, has_vpn, [], [], state)
    accounts = ["core"]
    if rnd.random() < 0.4:
        lines += account_body(rnd, "org", "organisation", ids[1], 1, has_vpn, ecrs, ["core"],
                              {"region": region, "ecrs": []})
        accounts.append("org")
        names.add("org")
    for k in range(pick(rnd, (4, 1), (2, 2), (1, 3))):
        n = account_name(rnd, names)
        lines += account_body(rnd, n, "la", ids[2 + k], 10 + k, has_vpn, ecrs, accounts[:],
                              {"region": region, "ecrs": []})
        accounts.append(n)
    envs = pick(rnd, (4, ["stage"]), (2, []), (1, ["stage", "prod"]))
    for e in envs:
        lines.append(f"environment {e} {{")
        lines.append("  accounts = all" if rnd.random() < 0.8 else
                     f"  accounts = [{', '.join(rnd.sample(accounts, rnd.randint(1, len(accounts))))}]")
        if e == "prod":
            lines.append("  deletion_protection = true")
        lines.append("}")
    return {"platform.sfd": "\n".join(lines) + "\n"}


# Edits of the example: (pattern, replacements); one match is replaced.
EDITS = [
    (r"keep = \d+", ["keep = 1", "keep = 20000", "keep = 20001"]),
    (r"cpu = [0-9.]+ vcpu", ["cpu = 16 vcpu", "cpu = 4 vcpu", "cpu = 0.5 vcpu", "cpu = 128 cpu"]),
    (r"memory = \d+ GiB", ["memory = 120 GiB", "memory = 30 GiB", "memory = 2 GiB", "memory = 512 MiB"]),
    (r"scale = \d+\.\.\d+", ["scale = 0..5000", "scale = 1..1", "scale = 0..0", "scale = 2..3"]),
    (r"capacity = [0-9.]+\.\.[0-9.]+ acu",
     ["capacity = 0..256 acu", "capacity = 0.5..128 acu", "capacity = 0..128.5 acu", "capacity = 1..1 acu"]),
    (r'version = "16\.\d+"', ['version = "16.1"', 'version = "16.3"', 'version = "16.2"', 'version = "16.8"']),
    (r"auto_pause = \w+", ["auto_pause = 5m", "auto_pause = 24h", "auto_pause = 4m"]),
    (r"expire = \d+d", ["expire = 1d", "expire = 2147483647d", "expire = 36500d"]),
    (r"cidr = 10\.0\.0\.0/16", ["cidr = 10.0.0.0/24", "cidr = 10.0.0.0/28", "cidr = 10.0.0.0/20"]),
    (r"network \{ cidr = cidr \}", ["network { cidr = cidr  azs = 3 }", "network { cidr = cidr  azs = 4  nat = single }",
                                    "network { cidr = cidr  azs = 1 }"]),
    (r'window = "[^"]*"', ['window = "Mon-Sun 00:00-23:59 UTC"', 'window = "Sat 10:00-11:00 Europe/London"']),
    # the example's on-demand starts (SPEC 9.1): idle periods at the edges, other prefixes
    (r"idle = \w+", ["idle = 1m", "idle = 24h", "idle = 90s", "idle = 1440m"]),
    (r'starts_prefix = "[^"]*"', ['starts_prefix = ""', 'starts_prefix = "a/b c/"', 'starts_prefix = "*"']),
    (r"code = \"hackney\"", ['code = "hackney-and-a-very-long-borough-name"', 'code = "h"']),
    (r"region = eu-west-2", ["region = us-east-1", "region = ap-southeast-2", "region = ca-central-1"]),
]


def mutate_example(rnd, root):
    src = os.path.join(root, "examples", "sfdata")
    files = {f: open(os.path.join(src, f), encoding="utf-8").read()
             for f in sorted(os.listdir(src)) if f.endswith(".sfd")}
    for _ in range(rnd.randint(1, 3)):
        pat, repl = rnd.choice(EDITS)
        hits = [(f, m) for f in files for m in re.finditer(pat, files[f])]
        if not hits:
            continue
        f, m = rnd.choice(hits)
        files[f] = files[f][:m.start()] + rnd.choice(repl) + files[f][m.end():]
    return files
