#!/usr/bin/env python3
"""Removes the database modules from the account roots of `sfdc build
--target terraform` trees, for the tiers that apply a whole tree on moto:
RDS waits take minutes there, and the aurora and rds modules are applied
by tiers 36 and 37. Drops each `module "aurora_*"`/`"rds_*"` block with the
comment line above it, the services' client security group pointing at
it (a one-element list, or its line in a longer one), and the database's
endpoint and secret wired into the services (SPEC 13.3).
Usage: strip-db.py ROOT_MAIN_TF..."""
import re
import sys

for path in sys.argv[1:]:
    with open(path) as f:
        s = f.read()
    s = re.sub(r'\n# [^\n]*\.(aurora|rds)\.[^\n]*\nmodule "(aurora|rds)_[^"]*" \{\n.*?\n\}\n', "\n",
               s, flags=re.S)
    s = re.sub(r'\n *security_group_ids *= \[module\.(aurora|rds)_[^\]]*\]', "", s)
    # one element of a list written over several lines (a service that is
    # a client of a database and of another service)
    s = re.sub(r'\n *module\.(aurora|rds)_[a-z0-9_]*\.[a-z_]+,(?=\n)', "", s)
    s = re.sub(r'\n *[A-Z0-9_]+ *= *"?(\$\{)?module\.(aurora|rds)_[^\n]*', "", s)
    s = re.sub(r'\n *secrets = \{\n *\}', "", s)
    if re.search(r'modules/(aurora|rds)|module\.(aurora|rds)_', s):
        sys.exit(f"strip-db.py: {path}: a database module is still referenced")
    with open(path, "w") as f:
        f.write(s)
