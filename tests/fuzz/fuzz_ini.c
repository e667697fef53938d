// fuzz: runtime
/* fuzz_ini.c — the shared credentials/config file parser on arbitrary
 * bytes: it must never crash, leak or read out of bounds, whatever the
 * sections, keys, comments, continuation lines or NULs. Lookups of the keys
 * the credential chain reads exercise the result. */
#include <stdint.h>
#include <stdlib.h>

#include "aws.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    AwsIni *ini = aws_ini_parse((const char *)data, size);
    if (!ini)
        return 0;
    static const char *const sections[] = {"default", "profile default", "profile dev", "dev", ""};
    static const char *const keys[] = {"aws_access_key_id", "aws_secret_access_key",
                                       "aws_session_token", "role_arn", "source_profile",
                                       "region", "s3.addressing_style", ""};
    for (size_t s = 0; s < sizeof sections / sizeof *sections; s++) {
        (void)aws_ini_has_section(ini, sections[s]);
        for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
            (void)aws_ini_get(ini, sections[s], keys[k]);
    }
    (void)aws_ini_bad_lines(ini);
    aws_ini_free(ini);
    return 0;
}
