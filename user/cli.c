// SPDX-License-Identifier: GPL-2.0
/*
 * Option values, usage errors and the kernel's refusals, the same way in
 * every subcommand.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "json_out.h"

bool cli_parse_u32(const char *arg, uint32_t *value)
{
	unsigned long long parsed;
	char *end;

	if (!isdigit((unsigned char)arg[0]))
		return false;
	errno = 0;
	parsed = strtoull(arg, &end, 10);
	if (errno || *end || parsed > UINT32_MAX)
		return false;
	*value = parsed;
	return true;
}

bool cli_parse_vm_id(const char *arg, uint64_t *value)
{
	const char *digits = arg;
	size_t i;

	if (!strncasecmp(digits, "0x", 2))
		digits += 2;
	if (!digits[0] || strlen(digits) > 16)
		return false;
	for (i = 0; digits[i]; i++)
		if (!isxdigit((unsigned char)digits[i]))
			return false;
	*value = strtoull(digits, NULL, 16);
	return true;
}

bool cli_parse_on_off(const char *arg, bool *value)
{
	static const char *const on[] = { "on", "1", "yes", "true" };
	static const char *const off[] = { "off", "0", "no", "false" };
	size_t i;

	for (i = 0; i < sizeof(on) / sizeof(on[0]); i++) {
		if (!strcasecmp(arg, on[i])) {
			*value = true;
			return true;
		}
		if (!strcasecmp(arg, off[i])) {
			*value = false;
			return true;
		}
	}
	return false;
}

int cli_bad_usage(void (*usage)(FILE *out), const char *fmt, ...)
{
	va_list ap;

	fputs("vmexit-stat: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage(stderr);
	return 2;
}

void cli_report_read_error(const struct vmexit_client *client, const char *what,
			   int err)
{
	vmexit_print_error(client, what, err);
	if (err == -EPERM || err == -EACCES)
		fprintf(stderr,
			"vmexit-stat: reading the statistics needs "
			"CAP_PERFMON or CAP_SYS_ADMIN: run it as root, or "
			"load the module with unprivileged_read=1\n");
}

void cli_report_admin_error(const struct vmexit_client *client,
			    const char *what, int err)
{
	vmexit_print_error(client, what, err);
	if (err == -EPERM || err == -EACCES)
		fprintf(stderr,
			"vmexit-stat: %s needs CAP_NET_ADMIN: run it "
			"as root\n",
			what);
}

int cli_print_json(struct json_object *doc)
{
	if (!doc) {
		fprintf(stderr, "vmexit-stat: out of memory\n");
		return 1;
	}
	json_doc_print(stdout, doc);
	json_object_put(doc);
	return 0;
}
