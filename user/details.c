// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit-stat details: per VM, the busiest I/O ports, MSRs, CPUID leaves
 * and MMIO pages, by number of exits.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "cli.h"
#include "commands.h"
#include "exit_stats.h"
#include "json_out.h"
#include "views.h"

/* The kernel's own bound on LIMIT. */
#define DETAIL_LIMIT_MAX 1024

static void details_usage(FILE *out)
{
	fprintf(out,
		"usage: vmexit-stat details [--json] [--vm PID|NAME] [--vm-id ID] "
		"[--limit N]\n"
		"                           [--backend module|bpf|auto]\n"
		"                           [--interval SEC | -- CMD...]\n"
		"\n"
		"Prints, per VM, what its exits were about where the exit "
		"reason alone\n"
		"says too little: the busiest I/O ports (in, out), MSRs "
		"(read, write),\n"
		"CPUID leaves and MMIO pages (read, write), by number of "
		"exits.  The\n"
		"module keeps a bounded table per VM; what did not fit is "
		"counted as\n"
		"details_dropped (vmexit-stat vms, info).  The BPF backend "
		"keeps one\n"
		"table for all VMs while it counts.\n"
		"\n"
		"  -j, --json          print JSON instead of tables\n"
		"  -p, --vm PID|NAME   only the VMs of this VMM process, or the VM\n"
		"                      of this name (QEMU -name, Firecracker --id, ...)\n"
		"      --vm-id ID      only the VM with this vm_id\n"
		"  -n, --limit N       at most N rows per VM and kind, 1 to "
		"%d (default %d)\n",
		DETAIL_LIMIT_MAX, VMEXIT_STAT_DETAIL_LIMIT_DEFAULT);
	cli_source_usage(out);
	fprintf(out,
		"  -h, --help          show this help\n"
		"\n"
		"Examples:\n"
		"  sudo vmexit-stat details                  # every VM: ports, MSRs, ...\n"
		"  sudo vmexit-stat details --vm web01 -n 5  # one VM, the top 5 of each kind\n"
		"  sudo vmexit-stat details --backend bpf -- CMD   # no module: while CMD runs\n"
		"\n"
		"Exit status: 0 ok; 1 on failure (no module loaded and no BPF, no\n"
		"permission, no such VM); 2 for a bad command line.\n");
}

const char *detail_kind_name(uint32_t kind)
{
	switch (kind) {
	case VMEXIT_STAT_DETAIL_PIO_IN:
		return "pio_in";
	case VMEXIT_STAT_DETAIL_PIO_OUT:
		return "pio_out";
	case VMEXIT_STAT_DETAIL_MSR_READ:
		return "msr_read";
	case VMEXIT_STAT_DETAIL_MSR_WRITE:
		return "msr_write";
	case VMEXIT_STAT_DETAIL_CPUID:
		return "cpuid";
	case VMEXIT_STAT_DETAIL_MMIO_READ:
		return "mmio_read";
	case VMEXIT_STAT_DETAIL_MMIO_WRITE:
		return "mmio_write";
	}
	return NULL;
}

const char *detail_label(uint32_t kind, uint64_t key, char *buf, size_t len)
{
	switch (kind) {
	case VMEXIT_STAT_DETAIL_PIO_IN:
	case VMEXIT_STAT_DETAIL_PIO_OUT:
		snprintf(buf, len, "port 0x%" PRIx64, key);
		break;
	case VMEXIT_STAT_DETAIL_MSR_READ:
	case VMEXIT_STAT_DETAIL_MSR_WRITE:
		snprintf(buf, len, "msr 0x%" PRIx64, key);
		break;
	case VMEXIT_STAT_DETAIL_CPUID:
		snprintf(buf, len, "leaf 0x%" PRIx64 " subleaf 0x%" PRIx64,
			 key >> 32, key & 0xffffffff);
		break;
	case VMEXIT_STAT_DETAIL_MMIO_READ:
	case VMEXIT_STAT_DETAIL_MMIO_WRITE:
		snprintf(buf, len, "gpa 0x%" PRIx64, key);
		break;
	default:
		snprintf(buf, len, "key 0x%" PRIx64, key);
	}
	return buf;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static bool same_vm(const struct vmexit_detail *a,
		    const struct vmexit_detail *b)
{
	return a->vm_pid == b->vm_pid && a->vm_id == b->vm_id;
}

static int cmp_detail(const void *pa, const void *pb)
{
	const struct vmexit_detail *a = pa, *b = pb;
	int diff;

	diff = cmp_u64(a->vm_pid, b->vm_pid);
	if (!diff)
		diff = cmp_u64(a->vm_id, b->vm_id);
	if (!diff)
		diff = cmp_u64(a->kind, b->kind);
	if (!diff)
		diff = cmp_u64(b->count, a->count);
	if (!diff)
		diff = cmp_u64(a->key, b->key);
	return diff;
}

void details_sort_and_limit(struct vmexit_details *details, uint32_t limit)
{
	size_t in, out = 0, run = 0;

	qsort(details->rec, details->nr, sizeof(*details->rec), cmp_detail);
	for (in = 0; in < details->nr; in++) {
		const struct vmexit_detail *d = &details->rec[in];

		if (out && same_vm(&details->rec[out - 1], d) &&
		    details->rec[out - 1].kind == d->kind)
			run++;
		else
			run = 1;
		if (limit && run > limit)
			continue;
		details->rec[out++] = *d;
	}
	details->nr = out;
}

/* The name of the VM of a detail, from the VM list when it is there. */
static void detail_vm_name(const struct vmexit_detail *d,
			   const struct vmexit_vms *vms, const char *proc_root,
			   char *name, size_t size)
{
	struct vmexit_vm vm = { .pid = d->vm_pid, .vm_id = d->vm_id };
	size_t i;

	for (i = 0; vms && i < vms->nr; i++)
		if (vms->rec[i].pid == d->vm_pid &&
		    vms->rec[i].vm_id == d->vm_id)
			vm = vms->rec[i];
	vm_display_name(proc_root, &vm, name, size);
}

static struct json_object *detail_json(const struct vmexit_detail *d)
{
	struct json_object *obj = json_object_new_object();
	const char *kind = detail_kind_name(d->kind);
	char kind_buf[16], label[64];
	bool ok = true;

	if (!kind) {
		snprintf(kind_buf, sizeof(kind_buf), "%" PRIu32, d->kind);
		kind = kind_buf;
	}
	ok &= json_add(obj, "kind", json_object_new_string(kind));
	ok &= json_add(obj, "key", json_object_new_uint64(d->key));
	ok &= json_add(obj, "count", json_object_new_uint64(d->count));
	ok &= json_add(obj, "label",
		       json_object_new_string(detail_label(
			       d->kind, d->key, label, sizeof(label))));
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static struct json_object *detail_vm_json(const struct vmexit_detail *first,
					  const struct vmexit_vms *vms,
					  const char *proc_root,
					  struct json_object **rows)
{
	struct json_object *obj = json_object_new_object();
	char name[VM_NAME_LEN], vm_id[20];
	bool ok = true;

	*rows = json_object_new_array();
	vm_id_format(first->vm_id, vm_id, sizeof(vm_id));
	detail_vm_name(first, vms, proc_root, name, sizeof(name));
	ok &= json_add(obj, "pid", json_object_new_int64(first->vm_pid));
	ok &= json_add(obj, "vm_id", json_object_new_string(vm_id));
	ok &= json_add(obj, "name", json_object_new_string(name));
	/* *rows stays valid while obj holds it */
	ok &= json_add(obj, "details", *rows);
	if (!ok) {
		json_object_put(obj);
		*rows = NULL;
		return NULL;
	}
	return obj;
}

struct json_object *details_json(const struct vmexit_details *details,
				 const struct vmexit_vms *vms,
				 const char *proc_root)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *list = json_object_new_array();
	struct json_object *rows = NULL;
	bool ok = true;
	size_t i;

	for (i = 0; ok && i < details->nr; i++) {
		const struct vmexit_detail *d = &details->rec[i];

		if (!i || !same_vm(&details->rec[i - 1], d))
			ok &= json_append(
				list, detail_vm_json(d, vms, proc_root, &rows));
		ok &= json_append(rows, detail_json(d));
	}
	ok &= json_add(doc, "vms", list);
	if (!ok) {
		json_object_put(doc);
		return NULL;
	}
	return doc;
}

void details_print(FILE *out, const struct vmexit_details *details,
		   const struct vmexit_vms *vms, const char *proc_root)
{
	char name[VM_NAME_LEN], vm_id[20], kind_buf[16], label[64];
	size_t i;

	if (!details->nr) {
		fprintf(out, "no details counted\n");
		return;
	}
	for (i = 0; i < details->nr; i++) {
		const struct vmexit_detail *d = &details->rec[i];
		const char *kind = detail_kind_name(d->kind);

		if (!i || !same_vm(&details->rec[i - 1], d)) {
			vm_id_format(d->vm_id, vm_id, sizeof(vm_id));
			detail_vm_name(d, vms, proc_root, name, sizeof(name));
			fprintf(out,
				"%sVM pid %" PRIu32 " vm_id %s (%s)\n"
				"  %-10s %-32s %14s\n",
				i ? "\n" : "", d->vm_pid, vm_id,
				name[0] ? name : "?", "kind", "what", "exits");
		}
		if (!kind) {
			snprintf(kind_buf, sizeof(kind_buf), "%" PRIu32,
				 d->kind);
			kind = kind_buf;
		}
		fprintf(out, "  %-10s %-32s %14" PRIu64 "\n", kind,
			detail_label(d->kind, d->key, label, sizeof(label)),
			d->count);
	}
}

static int print_details(struct vmexit_details *details,
			 const struct vmexit_vms *vms, uint32_t limit,
			 bool json)
{
	details_sort_and_limit(
		details, limit ? limit : VMEXIT_STAT_DETAIL_LIMIT_DEFAULT);
	if (json)
		return cli_print_json(details_json(details, vms, "/proc"));
	details_print(stdout, details, vms, "/proc");
	return 0;
}

struct details_view {
	uint32_t limit;
	bool json;
};

static int print_bpf_details(struct bpf_collection *got, void *ctx)
{
	const struct details_view *view = ctx;

	return print_details(&got->details, &got->vms, view->limit, view->json);
}

int cmd_details(int argc, char **argv)
{
	enum { OPT_VM_ID = 256 };
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "vm", required_argument, NULL, 'p' },
		{ "vm-id", required_argument, NULL, OPT_VM_ID },
		{ "limit", required_argument, NULL, 'n' },
		CLI_SOURCE_LONG_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct vmexit_filter filter = {};
	struct vmexit_details details = {};
	struct cli_source src = {};
	struct vmexit_client client;
	struct vmexit_vms vms = {};
	bool json = false;
	int opt, err, status = 1;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "jp:n:h" CLI_SOURCE_SHORT_OPTIONS,
				  options, NULL)) != -1) {
		status = cli_source_option(&src, opt, optarg, details_usage);
		if (status >= 0) {
			if (status)
				return status;
			continue;
		}
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'p':
			status = cli_parse_vm(optarg, &filter.pid,
					      details_usage);
			if (status)
				return status;
			filter.by_pid = true;
			break;
		case OPT_VM_ID:
			if (!cli_parse_vm_id(optarg, &filter.vm_id))
				return cli_bad_usage(details_usage,
						     "--vm-id wants a vm_id "
						     "(up to 16 hex digits), "
						     "not '%s'",
						     optarg);
			filter.by_vm_id = true;
			break;
		case 'n':
			if (!cli_parse_u32(optarg, &filter.limit) ||
			    !filter.limit || filter.limit > DETAIL_LIMIT_MAX)
				return cli_bad_usage(details_usage,
						     "--limit wants 1 to %d, "
						     "not '%s'",
						     DETAIL_LIMIT_MAX, optarg);
			break;
		case 'h':
			details_usage(stdout);
			return 0;
		default:
			details_usage(stderr);
			return 2;
		}
	}
	status = cli_source_finish(&src, argc, argv, "details", details_usage);
	if (status)
		return status;
	if (src.backend == CLI_BACKEND_BPF)
		return cli_run_bpf(&src, &filter, print_bpf_details,
				   &(struct details_view){ filter.limit,
							   json });

	status = 1;
	if (vmexit_connect(&client)) {
		cli_suggest_bpf(&src);
		return 1;
	}
	if (cli_check_vm(&client, &filter, false))
		goto out;
	err = vmexit_dump_details(&client, &filter, &details);
	if (err) {
		cli_report_read_error(&client, "dump details", err);
		goto out;
	}
	/* Only for the names of ended VMs: a failure costs just those. */
	if (vmexit_dump_vms(&client, &filter, &vms))
		vms.nr = 0;
	status = print_details(&details, &vms, filter.limit, json);
out:
	vmexit_details_free(&details);
	vmexit_vms_free(&vms);
	vmexit_client_close(&client);
	return status;
}
