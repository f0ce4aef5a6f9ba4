/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_COMMANDS_H
#define VMEXIT_STAT_COMMANDS_H

/*
 * Each subcommand of vmexit-stat is one function, given argv from the
 * subcommand's own name on (argv[0] is "vmexit-stat: show", "show" in
 * the unit tests: only getopt's messages use it).  It returns the
 * process exit status.
 */
int cmd_exitgen(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_latency(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_reset(int argc, char **argv);
int cmd_selftest(int argc, char **argv);
int cmd_vms(int argc, char **argv);
int cmd_details(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_sched(int argc, char **argv);
int cmd_phases(int argc, char **argv);
int cmd_correlate(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_record(int argc, char **argv);

#endif /* VMEXIT_STAT_COMMANDS_H */
