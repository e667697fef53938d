/* fmtcmd.h — the `sfdc fmt` command: files and directories in, formatted
 * in place (or checked, or diffed); the layout itself is fmt.h's. */
#ifndef SFDC_FMTCMD_H
#define SFDC_FMTCMD_H

/* `sfdc help fmt`. */
extern const char fmtcmd_help[];

/* Runs `sfdc fmt` with argv[0] == "fmt"; returns the exit status: 0 ok,
 * 1 syntax errors or (with --check) unformatted files, 2 usage. */
int fmtcmd_run(int argc, char **argv);

#endif
