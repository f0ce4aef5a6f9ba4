// SPDX-License-Identifier: GPL-2.0
/*
 * The real probes.c in the KUnit module: genl_kunit.c reports
 * vxs_exit_probe_proto(), and the probes compile against the debug
 * kernel's configuration.  Nothing here registers a probe.
 */
#include "../../module/probes.c"
