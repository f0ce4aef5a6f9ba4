// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit-stat bench: being written (issue 6); replaced by the real command.
 */
#include <stdio.h>

#include "commands.h"

int cmd_bench(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "vmexit-stat bench: not built yet\n");
	return 1;
}
