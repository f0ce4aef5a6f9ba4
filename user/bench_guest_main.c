// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit-stat-guest: the bench command alone, linked statically, for
 * guests without libraries (the lab's nested guest is a busybox
 * initramfs).  `vmexit-stat-guest bench cpu --markers` runs what
 * `vmexit-stat bench cpu --markers` runs on a full system.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "bench"))
		return cmd_bench(argc - 1, argv + 1);
	if (argc >= 2 &&
	    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: vmexit-stat-guest bench cpu|memory|fileio ... (see 'vmexit-stat-guest bench --help')\n");
		return 0;
	}
	fprintf(stderr,
		"usage: vmexit-stat-guest bench cpu|memory|fileio ... (see 'vmexit-stat-guest bench --help')\n");
	return 2;
}
