/* cidrset.h — IPv4 CIDR blocks: validity (E0510), subnets inside their VPC
 * (E0511) and overlaps between networks that talk to each other (E0512).
 *
 * The overlap finder sorts once and sweeps, so a platform of 10,000 VPCs
 * costs O(n log n) plus the overlaps it reports, never a comparison of all
 * pairs. Which networks "talk to each other" is the caller's model, given
 * here as plain numbers: every entry carries an owner (the VPC or subnet it
 * belongs to; an owner never overlaps itself) and a group (networks that
 * are peered, share a VPN or a transit gateway). Two entries conflict when
 * their blocks overlap, their owners differ, and they share a group or one
 * of them is in CIDR_GROUP_ALL (e.g. the VPN range, which reaches every VPC).
 * A VPC in two groups is entered twice, once per group, with one owner. */
#ifndef SFDC_CIDRSET_H
#define SFDC_CIDRSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ast.h"        /* Cidr */
#include "awslimits.h"   /* RuleMsg */

/* The group that talks to every group. */
#define CIDR_GROUP_ALL UINT32_MAX

/* First and last address of the block (host bits ignored). */
uint32_t cidr_first(Cidr c);
uint32_t cidr_last(Cidr c);

/* The block with its host bits cleared: 10.1.2.0/16 -> 10.1.0.0/16. */
Cidr cidr_network(Cidr c);

/* "10.1.0.0/16"; buf of at least 19 bytes. Returns the text's length. */
size_t cidr_format(Cidr c, char *buf, size_t cap);

/* a contains b (equal blocks contain each other). */
bool cidr_contains(Cidr a, Cidr b);

/* a and b share an address. */
bool cidr_overlap(Cidr a, Cidr b);

/* E0510: no host bits set; help names the network the block lies in. */
bool cidr_check(Cidr c, RuleMsg *m);

/* E0510: AWS accepts VPC and subnet blocks from /16 to /28. what is
 * "VPC" or "subnet", for the message. */
bool cidr_check_size(Cidr c, const char *what, RuleMsg *m);

/* E0511: subnet lies inside vpc. Otherwise help proposes a block of the
 * same size inside vpc that overlaps none of taken (the network's other
 * subnets, given or computed): the same offset when it is free, else the
 * lowest free one, which is stored in *fix (when fix is not NULL). */
bool cidr_check_inside(Cidr vpc, Cidr subnet, const Cidr *taken, size_t ntaken, RuleMsg *m, Cidr *fix);

typedef struct CidrEntry {
    Cidr cidr;          /* the block (host bits ignored) */
    uint32_t owner;     /* the network it belongs to; equal owners never conflict */
    uint32_t group;     /* who it talks to; CIDR_GROUP_ALL talks to everyone */
} CidrEntry;

typedef struct CidrPair {
    size_t a, b;        /* indices into the entries, a < b */
} CidrPair;

/* Finds the conflicting pairs among e[0..n) (see above). Writes at most cap
 * pairs to out, sorted by (a, b), each pair once per shared group; *nout is
 * how many were written and *truncated tells whether there were more (the
 * search stops at cap, so a cap bounds the work too). Returns 0, or -1 when
 * out of memory. */
int cidr_find_overlaps(const CidrEntry *e, size_t n, CidrPair *out, size_t cap,
                       size_t *nout, bool *truncated);

#endif
