/* distance.c — one Levenshtein row at a time (see distance.h). */
#include "distance.h"

#include <ctype.h>

#include "banned.h"

static bool same(char x, char y, bool fold_case)
{
    if (x == y)
        return true;
    return fold_case && tolower((unsigned char)x) == tolower((unsigned char)y);
}

int text_distance(const char *a, size_t la, const char *b, size_t lb, bool fold_case)
{
    if (la > DISTANCE_MAX_LEN || lb > DISTANCE_MAX_LEN)
        return DISTANCE_FAR;
    int row[DISTANCE_MAX_LEN + 1];
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int best = diag + !same(a[i - 1], b[j - 1], fold_case);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}
