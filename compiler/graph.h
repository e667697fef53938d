/* graph.h — `sfdc graph`: the picture the team draws by hand, from the
 * evaluated platform, as Mermaid or Graphviz DOT text.
 *
 * Accounts are boxes grouped by kind (core, organisation, la); inside each,
 * its units (network, repositories, clusters, services, databases,
 * buckets, secrets). Edges: image pulls from a repository to the services
 * that use it (dashed across accounts), buckets to the accounts granted
 * read, a parent account to the accounts it deploys, and the unit
 * dependencies of stdlib/modules/README.md ("Wiring"): network to
 * services and databases, cluster and secrets to services, databases to
 * the services that wear their client security group; on demand, a
 * bucket to the services its uploads start (none where the environment
 * turns triggers off) and a service to those it reaches by name
 * (`connects`). Output is
 * deterministic: model order,
 * duplicate edges dropped. */
#ifndef SFDC_GRAPH_H
#define SFDC_GRAPH_H

#include <stdio.h>

#include "model.h"

typedef enum GraphFormat {
    GRAPH_MERMAID,      /* a Mermaid flowchart (renders in GitHub Markdown) */
    GRAPH_DOT,          /* Graphviz DOT (`dot -Tsvg`) */
} GraphFormat;

/* The graph as text (malloc'd, caller frees; NULL when out of memory) of
 * environment env (NULL: the base platform, every account). */
char *graph_render(const Model *m, const Environment *env, GraphFormat f);

/* `sfdc graph`: prints it to out. Returns an exit status: 0, 1 for an
 * unknown environment (said on err), 70 when out of memory. */
int graph_run(const Model *m, const char *env_name, GraphFormat f, FILE *out, FILE *err);

/* `sfdc help graph`. */
extern const char graph_help[];

#endif
