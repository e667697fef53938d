#!/usr/bin/env python3
"""Generates a synthetic sfdata platform with N local-authority accounts.

Usage: gen.py N OUT.sfd

Like examples/sfdata, but one file: a core account (ECR, VPN), an
organisation account, one template for an LA account (network, three
services pulling cross-account from core's ECR, Aurora, four buckets, one
readable by the organisation) and a list of N records expanded by `for`,
plus stage and prod environments with a few overrides, each environment in
accounts of its own (ids per environment, SPEC §7.5), so that the checker
evaluates the platform three times: the base, stage and prod.
"""
import sys

HEAD = '''platform bench {
  region = eu-west-2
  state { bucket = "bench-tfstate-${account.id}" }
}

account core {
  kind = core
  id = { stage = "111111111111", prod = "111111111112" }[env]
  vpn = 10.250.0.0/16
  network { cidr = 10.251.0.0/16 }
  ecr dagster { keep = 30 }
}

account org {
  kind = organisation
  id = { stage = "999999999999", prod = "999999999998" }[env]
  parent = core
  network { cidr = 10.252.0.0/16 }
}

template local_authority(code: name, id: account_id, cidr: cidr) {
  account "la-${code}" {
    kind = la
    id = id
    parent = core
    network {
      cidr = cidr
      nat = single
    }
    service daemon {
      image = core.ecr.dagster
      tag = "2026.12.1"
      cpu = 0.25 vcpu
      memory = 1 GiB
      scale = 0..1
      window = "Mon-Fri 23:00-05:00 Europe/London"
    }
    service code_server {
      image = core.ecr.dagster
      tag = "2026.12.1"
      cpu = 0.25 vcpu
      memory = 1 GiB
      scale = 0..1
    }
    service webserver {
      image = core.ecr.dagster
      tag = "2026.12.1"
      cpu = 0.5 vcpu
      memory = 1 GiB
      default = off
      access = vpn(core.vpn)
    }
    aurora dagster {
      capacity = 0..4 acu
      auto_pause = 30m
    }
    bucket data_store    { purpose = data_store  expire = 2190d }
    bucket workspace     { purpose = workspace   expire = 90d }
    bucket shared        { purpose = shared      readers = [org] }
    bucket external_data { purpose = external_data }
  }
}

'''


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: gen.py N OUT.sfd")
    n, out = int(sys.argv[1]), sys.argv[2]
    if not 1 <= n <= 60000:
        sys.exit("gen.py: N must be 1..60000")
    rows = []
    for i in range(n):
        cidr = "10.%d.%d.0/24" % (i // 256, i % 256)
        rows.append('  { code = "la%05d", id = { stage = "%012d", prod = "%012d" }, cidr = %s },'
                    % (i, 200000000000 + i, 300000000000 + i, cidr))
    with open(out, "w") as f:
        f.write(HEAD)
        f.write("let las = [\n" + "\n".join(rows) + "\n]\n\n")
        f.write("for la in las {\n  use local_authority(la.code, la.id[env], la.cidr)\n}\n\n")
        f.write('environment stage {\n  accounts = all\n  trigger = "main"\n}\n\n')
        f.write('environment prod {\n  accounts = all\n  trigger = "tags"\n'
                '  deletion_protection = true\n'
                '  la-la00000.service.daemon.memory = 2 GiB\n}\n')


if __name__ == "__main__":
    main()
