/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_VIEWS_H
#define VMEXIT_STAT_VIEWS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "genl_client.h"

/*
 * The JSON documents and text views of vms, details, info, config and
 * events, built from parsed replies alone so that the unit tests check
 * them without a kernel.  The JSON builders return NULL when out of
 * memory.  proc_root is "/proc" but for tests.
 */

struct json_object;

/* vms.c */
struct json_object *vms_json(const struct vmexit_vms *vms,
			     const char *proc_root);
/* now_ns: CLOCK_BOOTTIME, for how long a running VM has run. */
void vms_print(FILE *out, const struct vmexit_vms *vms, const char *proc_root,
	       uint64_t now_ns);

/* details.c */
/* "pio_in", ..., or NULL for a kind we do not know. */
const char *detail_kind_name(uint32_t kind);
/* "port 0xe9", "msr 0x8b", "leaf 0x1 subleaf 0x0", "gpa 0xfee00000". */
const char *detail_label(uint32_t kind, uint64_t key, char *buf, size_t len);
/*
 * Sorts the details by VM, kind and count (largest first) and keeps at
 * most limit per VM and kind (0: no limit).
 */
void details_sort_and_limit(struct vmexit_details *details, uint32_t limit);
/* details: as details_sort_and_limit() left them. */
struct json_object *details_json(const struct vmexit_details *details,
				 const struct vmexit_vms *vms,
				 const char *proc_root);
void details_print(FILE *out, const struct vmexit_details *details,
		   const struct vmexit_vms *vms, const char *proc_root);

/* info.c; the JSON is exit_stats.h's info_json(). */
void info_print(FILE *out, const struct vmexit_info *info);

/* config.c */
struct json_object *config_json(const struct vmexit_config *config);
void config_print(FILE *out, const struct vmexit_config *config);

/* events.c */
/* "vm_start", ..., or NULL for a command that is no notification. */
const char *event_name(uint8_t cmd);
struct json_object *event_json(const struct vmexit_event *event);
/* One line, the same facts as the JSON. */
void event_print(FILE *out, const struct vmexit_event *event);

#endif /* VMEXIT_STAT_VIEWS_H */
