/* emit_tf.h — the plain Terraform target of `sfdc build` (emit_tf.c):
 * one root module, ENV/ACCOUNT/main.tf, per lowered account (lower.h). */
#ifndef SFDC_EMIT_TF_H
#define SFDC_EMIT_TF_H

#include "lower.h"
#include "outtree.h"

/* ENV/ACCOUNT/main.tf of ac (lowered by lower_account). */
void emit_tf_account(const LowerPlan *bp, const LowerEnv *e, const LowerAccount *ac, OutTree *t);

#endif
