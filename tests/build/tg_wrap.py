#!/usr/bin/env python3
"""Turn a Terragrunt tree emitted by `sfdc build` into plain Terraform roots
that `terraform validate` can check, without Terragrunt (tier 51).

  tg_wrap.py TREE OUT

For each TREE/ENV/ACCOUNT (a directory holding account.hcl) writes
OUT/ENV/ACCOUNT/main.tf:
  - provider.tf as root.hcl's `generate "provider"` would write it, with
    the account's locals (account.hcl) substituted;
  - the backend block of root.hcl's remote_state (init runs -backend=false,
    so it is only parsed);
  - per unit a `locals` entry holding its dependencies' mock_outputs, and a
    `module` block calling TREE/modules/<module> with the unit's `inputs`
    body verbatim, `dependency.X.outputs.Y` read from those mocks: exactly
    what Terragrunt feeds the module during validate/plan.
A misspelt input is then an "Unsupported argument" error, a missing one
"Missing required argument", a wrong type an error too.

It also checks what validate cannot see, printing `FAIL ...` lines:
  - each dependency's config_path names a unit of the same account;
  - every output read from a dependency (mock_outputs keys and
    dependency.X.outputs.Y references) is declared in that unit's module;
  - every mock output is one the unit reads.
The emitted files are regular (sfdc writes them in terraform fmt form), so
blocks are found by their opening line and the `}` at the same indentation.
"""
import json
import os
import re
import sys


def block(text, opener):
    """Body lines of the top-level block whose first line matches opener."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if re.match(opener, line):
            body = []
            for j in range(i + 1, len(lines)):
                if lines[j] == "}":
                    return "\n".join(body)
                body.append(lines[j])
    return None


def all_blocks(text, opener):
    out = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = re.match(opener, lines[i])
        if m:
            body = []
            i += 1
            while lines[i] != "}":
                body.append(lines[i])
                i += 1
            out.append((m, "\n".join(body)))
        i += 1
    return out


def locals_of(path):
    text = open(path).read()
    body = block(text, r"^locals \{$")
    return dict(re.findall(r'^\s*(\w+)\s*=\s*"([^"]*)"$', body, re.M))


def outputs_of(module_dir):
    text = open(os.path.join(module_dir, "outputs.tf")).read()
    return set(re.findall(r'^output "([^"]+)"', text, re.M))


def main():
    tree, out = sys.argv[1], sys.argv[2]
    root = open(os.path.join(tree, "root.hcl")).read()
    m = re.search(r"contents  = <<-EOF\n(.*?)\n  EOF\n", root, re.S)
    provider_tmpl = "\n".join(l[4:] for l in m.group(1).split("\n"))
    rs = block(root, r"^remote_state \{$")
    fails = 0
    for env in sorted(os.listdir(tree)):
        envdir = os.path.join(tree, env)
        if env == "modules" or not os.path.isdir(envdir):
            continue
        for acct in sorted(os.listdir(envdir)):
            adir = os.path.join(envdir, acct)
            if not os.path.isfile(os.path.join(adir, "account.hcl")):
                continue
            loc = locals_of(os.path.join(adir, "account.hcl"))
            provider = re.sub(r"\$\{local\.account\.(\w+)\}", lambda x: loc[x.group(1)], provider_tmpl)
            provider = provider.replace("$${", "${").replace("%%{", "%{")
            units = sorted(u for u in os.listdir(adir) if os.path.isfile(os.path.join(adir, u, "terragrunt.hcl")))
            modules_of = {}
            for u in units:
                t = open(os.path.join(adir, u, "terragrunt.hcl")).read()
                src = re.search(r'source = "\.\./\.\./\.\./modules//([^"]+)"', t).group(1)
                modules_of[u] = src
            parts = [provider, 'terraform {\n  backend "s3" {}\n}\n']
            # remote_state config keys must all be s3 backend arguments
            cfg = re.search(r"config = \{\n(.*?)\n  \}", rs, re.S).group(1)
            keys = re.findall(r"^    (\w+)\s*=", cfg, re.M)
            parts.append("# remote_state config keys: " + ", ".join(keys) + "\n")
            for u in units:
                t = open(os.path.join(adir, u, "terragrunt.hcl")).read()
                label = u.replace("-", "_")
                deps = {}
                for dm, body in all_blocks(t, r'^dependency "([^"]+)" \{$'):
                    dep = dm.group(1)
                    cp = re.search(r'config_path = "\.\./([^"]+)"', body).group(1)
                    if cp not in modules_of:
                        print(f"FAIL {env}/{acct}/{u}: dependency {dep} names ../{cp}, not a unit of {acct}")
                        fails += 1
                        continue
                    mo = re.search(r"mock_outputs = \{\n(.*?)\n  \}", body, re.S)
                    mock_body = mo.group(1) if mo else ""
                    mock_keys = re.findall(r"^    (\w+)\s*=", mock_body, re.M)
                    declared = outputs_of(os.path.join(tree, "modules", modules_of[cp]))
                    read = set(re.findall(r"dependency\.%s\.outputs\.(\w+)" % re.escape(dep), t))
                    for k in sorted(set(mock_keys) | read):
                        if k not in declared:
                            print(f"FAIL {env}/{acct}/{u}: reads output {k} of ../{cp}, "
                                  f"which module {modules_of[cp]} does not declare")
                            fails += 1
                    for k in sorted(set(mock_keys) - read):
                        print(f"FAIL {env}/{acct}/{u}: mock output {k} of {dep} is never read")
                        fails += 1
                    for k in sorted(read - set(mock_keys)):
                        print(f"FAIL {env}/{acct}/{u}: output {k} of {dep} has no mock")
                        fails += 1
                    deps[dep] = mock_body
                inputs = block(t, r"^inputs = \{$") or ""
                inputs = re.sub(r"\bdependency\.(\w+)\.outputs\.",
                                lambda x: f"local.{label}__{x.group(1)}.", inputs)
                for dep, body in deps.items():
                    parts.append(f"locals {{\n  {label}__{dep} = {{\n{body}\n  }}\n}}\n")
                parts.append(f'module "{label}" {{\n  source = "{os.path.abspath(os.path.join(tree, "modules", modules_of[u]))}"\n{inputs}\n}}\n')
            odir = os.path.join(out, env, acct)
            os.makedirs(odir, exist_ok=True)
            with open(os.path.join(odir, "main.tf"), "w") as f:
                f.write("\n".join(parts))
            print(f"wrapped {env}/{acct}: {len(units)} units")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
