/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_CLI_H
#define VMEXIT_STAT_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "genl_client.h"

/*
 * What every subcommand does the same way: reading option values,
 * refusing bad ones (a message, the usage, status 2), explaining the
 * kernel's refusals, printing JSON.
 */

struct json_object;

/* A decimal number, no sign, no garbage, within uint32_t. */
bool cli_parse_u32(const char *arg, uint32_t *value);

/* A vm_id as vmexit-stat prints it: 1 to 16 hex digits, "0x" optional. */
bool cli_parse_vm_id(const char *arg, uint64_t *value);

/* "on" or "off" (also 1/0, yes/no, true/false). */
bool cli_parse_on_off(const char *arg, bool *value);

/*
 * Prints "vmexit-stat: <message>" and usage on stderr; returns 2, the
 * status of every bad command line.
 */
int cli_bad_usage(void (*usage)(FILE *out), const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * The kernel refused or failed a read: its message, and for a missing
 * privilege the way to get it.
 */
void cli_report_read_error(const struct vmexit_client *client, const char *what,
			   int err);

/* The same for a change (reset, config): those need CAP_NET_ADMIN. */
void cli_report_admin_error(const struct vmexit_client *client,
			    const char *what, int err);

/* Prints and frees doc; 0, or 1 when doc is NULL (out of memory). */
int cli_print_json(struct json_object *doc);

#endif /* VMEXIT_STAT_CLI_H */
