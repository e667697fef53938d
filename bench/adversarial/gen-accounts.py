#!/usr/bin/env python3
"""gen-accounts.py N OUT.sfd — a platform of N local-authority accounts,
each with a network, three services, an Aurora cluster and four buckets
(examples/sfdata's template), listed in one `let` and expanded by one
`for`: the size the evaluation budgets must leave room for (SPEC §7.4)."""
import sys

n, out = int(sys.argv[1]), sys.argv[2]
with open(out, "w") as f:
    f.write('''platform big {
  region = eu-west-2
  state {
    bucket = "big-tfstate-${account.id}"
    lock = lockfile
  }
}

account core {
  kind = core
  id = "100000000000"
  network { cidr = 172.16.0.0/16 }
  ecr dagster { keep = 30 }
}

template local_authority(code: name, id: account_id, cidr: cidr) {
  account "la-${code}" {
    kind = la
    id = id
    parent = core
    network { cidr = cidr }
    service daemon {
      image = core.ecr.dagster
      cpu = 0.25 vcpu
      memory = 1 GiB
      spot = true
      scale = 0..1
      window = "Mon-Fri 23:00-05:00 Europe/London"
    }
    service code_server {
      image = core.ecr.dagster
      cpu = 0.25 vcpu
      memory = 1 GiB
      scale = 0..1
      window = "Mon-Fri 23:00-05:00 Europe/London"
    }
    service webserver {
      image = core.ecr.dagster
      cpu = 0.5 vcpu
      memory = 1 GiB
      default = off
    }
    aurora dagster {
      engine = postgres16
      version = "16.4"
      capacity = 0..4 acu
      auto_pause = 30m
    }
    bucket data_store    { purpose = data_store     expire = 2190d }
    bucket workspace     { purpose = workspace      expire = 90d }
    bucket shared        { purpose = shared }
    bucket external_data { purpose = external_data }
  }
}

let las = [
''')
    for i in range(n):
        # /26 networks tile 10.0.0.0/8 262,144 times: none overlap
        a, b, c = (i >> 10) & 255, (i >> 2) & 255, (i & 3) * 64
        f.write(f'  {{ code = "a{i}", id = "{200000000000 + i}", cidr = 10.{a}.{b}.{c}/26 }},\n')
    f.write(''']

for la in las {
  use local_authority(la.code, la.id, la.cidr)
}
''')
