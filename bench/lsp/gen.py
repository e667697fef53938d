#!/usr/bin/env python3
"""Generates a 10,000-line sfd workspace for the language-server benchmark.

Usage: gen.py OUTDIR [LINES]

platform.sfd holds the platform and the core and organisation accounts,
environments.sfd the environments (importing every account file); las_NN.sfd
files hold hand-written local-authority accounts
(network, three services pulling `core.ecr.dagster`, Aurora, four buckets:
the shape of examples/sfdata, written out rather than templated, as a team
that edits accounts one by one would), 25 accounts a file, until the
workspace has LINES lines (default 10,000).
"""
import os
import sys

PLATFORM = '''platform bench {
  region = eu-west-2
  state { bucket = "bench-${env}-tfstate-${account.id}" }
}

account core {
  kind = core
  id = "111111111111"
  @allow(W0706, "the VPN reaches the LAs' web UIs through core's Transit Gateway")
  vpn = 10.250.0.0/16
  network { cidr = { stage = 10.251.0.0/16, prod = 10.253.0.0/16 }[env] }
  ecr dagster {
    keep = 30
    shared = true
  }
}

account org {
  kind = organisation
  id = { stage = "999999999999", prod = "899999999999" }[env]
  parent = core
  network { cidr = { stage = 10.252.0.0/16, prod = 10.254.0.0/16 }[env] }
}
'''

ENVS = '''environment stage {
  accounts = all
  trigger = "main"
}

environment prod {
  accounts = all
  trigger = "tags"
  deletion_protection = true
  la-la00000.service.daemon.memory = 2 GiB
}
'''

LA = '''/// Local authority {i}.
account la-la{i:05d} {{
  kind = la
  id = {{ stage = "{id:012d}", prod = "{pid:012d}" }}[env]
  parent = core
  @allow(W0701, "one NAT gateway is the cheaper way out at rest")
  network {{
    cidr = {{ stage = {cidr}, prod = {pcidr} }}[env]
    nat = single
  }}

  service daemon {{
    image = core.ecr.dagster
    tag = "2026.12.1"
    cpu = 0.25 vcpu
    memory = 1 GiB
    scale = 0..1
    window = "Mon-Fri 23:00-05:00 Europe/London"
  }}

  service code_server {{
    image = core.ecr.dagster
    tag = "2026.12.1"
    cpu = 0.25 vcpu
    memory = 1 GiB
    scale = 0..1
  }}

  @allow(W0706, "the VPN reaches the web UI through the account's Transit Gateway attachment")
  service webserver {{
    image = core.ecr.dagster
    tag = "2026.12.1"
    cpu = 0.5 vcpu
    memory = 1 GiB
    default = off
    access = vpn(core.vpn)
  }}

  aurora dagster {{
    capacity = 0..4 acu
    auto_pause = 30m
  }}

  bucket data_store    {{ purpose = data_store  expire = 2190d }}
  bucket workspace     {{ purpose = workspace   expire = 90d }}
  bucket shared        {{ purpose = shared      readers = [org] }}
  bucket external_data {{ purpose = external_data }}
}}

'''


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: gen.py OUTDIR [LINES]")
    out, want = sys.argv[1], int(sys.argv[2]) if len(sys.argv) == 3 else 10000
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "platform.sfd"), "w") as f:
        f.write(PLATFORM)
    lines, i, k = PLATFORM.count("\n"), 0, 0
    while lines < want:
        with open(os.path.join(out, "las_%02d.sfd" % k), "w") as f:
            f.write('import "./platform.sfd"\n\n')
            for _ in range(25):
                text = LA.format(i=i, id=200000000000 + i, pid=300000000000 + i,
                                 cidr="10.%d.%d.0/24" % (i // 256, i % 256),
                                 pcidr="10.%d.%d.0/24" % (100 + i // 256, i % 256))
                f.write(text)
                lines += text.count("\n")
                i += 1
                if lines >= want:
                    break
        k += 1
    with open(os.path.join(out, "environments.sfd"), "w") as f:
        f.write("".join('import "./las_%02d.sfd"\n' % j for j in range(k)) + "\n" + ENVS)
    print("%s: %d lines, %d accounts in %d files" % (out, lines, i, k + 1))


if __name__ == "__main__":
    main()
