/* emit_tg.h — the Terragrunt target of `sfdc build` (emit_tg.c): renders
 * lowered accounts (lower.h) as root.hcl, ENV/ACCOUNT/account.hcl and one
 * ENV/ACCOUNT/UNIT/terragrunt.hcl per unit, into an output tree. */
#ifndef SFDC_EMIT_TG_H
#define SFDC_EMIT_TG_H

#include "lower.h"
#include "outtree.h"

/* root.hcl: remote state and the generated provider, shared by every unit. */
void emit_tg_root(const LowerPlan *bp, OutTree *t);
/* account.hcl and the units of ac (lowered by lower_account). */
void emit_tg_account(const LowerPlan *bp, const LowerEnv *e, const LowerAccount *ac, OutTree *t);

#endif
