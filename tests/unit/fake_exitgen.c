// SPDX-License-Identifier: GPL-2.0
/*
 * Test double for user/exitgen.c: the unit tests never run a guest.
 */
#include <stdio.h>

#include "commands.h"
#include "exitgen.h"

int exitgen_run(const struct exitgen_request *req, struct exitgen_result *res,
		char *err, size_t errlen)
{
	(void)req;
	(void)res;
	snprintf(err, errlen, "no guests in unit tests");
	return -1;
}

int cmd_exitgen(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 1;
}
