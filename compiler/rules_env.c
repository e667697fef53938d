/* rules_env.c — the environments against each other (see rules.h). */
#include "rules.h"

#include "banned.h"

void rules_env(Model *m, DiagEngine *d)
{
    (void)m;
    (void)d;
}
