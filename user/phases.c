// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit-stat phases: being written (issue 6); replaced by the real command.
 */
#include <stdio.h>

#include "commands.h"

int cmd_phases(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "vmexit-stat phases: not built yet\n");
	return 1;
}
