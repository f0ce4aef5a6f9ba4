// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit-stat bench fileio: being written.
 */
#include "bench.h"

int bench_fileio_main(const struct bench_options *opts)
{
	(void)opts;
	fprintf(stderr, "vmexit-stat bench fileio: not built yet\n");
	return 1;
}
