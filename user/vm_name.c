// SPDX-License-Identifier: GPL-2.0
/*
 * VM names from the VMM's /proc entries.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vm_name.h"

/* Large enough for any QEMU command line libvirt writes. */
#define CMDLINE_MAX (256 * 1024)

static char cmdline_buf[CMDLINE_MAX];

static void append_char(char *out, size_t size, size_t *len, char c)
{
	if (out && *len + 1 < size) {
		out[(*len)++] = c;
		out[*len] = '\0';
	}
}

/*
 * Copies one QEMU option value up to the next unescaped comma (QEMU
 * writes a literal comma as ",,"), into out when out is not NULL.
 * Returns where the next key starts.
 */
static const char *take_opt_value(const char *p, char *out, size_t size)
{
	size_t len = 0;

	if (out && size)
		out[0] = '\0';
	while (*p) {
		if (*p == ',') {
			if (p[1] != ',')
				return p + 1;
			p++;
		}
		append_char(out, size, &len, *p++);
	}
	return p;
}

/*
 * Parses the value of QEMU's -name: "[guest=]NAME[,key=value...]".  As in
 * QEMU, only the first element may omit "guest=".
 */
static bool parse_qemu_name(const char *value, char *name, size_t size)
{
	const char *p = value;
	bool first = true;
	bool found = false;

	while (*p) {
		size_t key_len = strcspn(p, "=,");
		bool is_guest;

		if (first && p[key_len] != '=') {
			is_guest = true;
		} else if (p[key_len] != '=') {
			/* A bare key, QEMU's old spelling of key=on. */
			p += key_len;
			if (*p == ',')
				p++;
			first = false;
			continue;
		} else {
			is_guest = key_len == 5 && !strncmp(p, "guest", 5);
			p += key_len + 1;
		}
		first = false;
		if (is_guest) {
			p = take_opt_value(p, name, size);
			found = name[0] != '\0';
		} else {
			p = take_opt_value(p, NULL, 0);
		}
	}
	return found;
}

static bool is_name_option(const char *arg, size_t len)
{
	return (len == 5 && !memcmp(arg, "-name", 5)) ||
	       (len == 6 && !memcmp(arg, "--name", 6));
}

/* QEMU, as itself or as libvirt starts it: its last -name guest=X. */
static bool qemu_name(const char *cmdline, const char *end, char *name,
		      size_t size)
{
	char value[VM_NAME_LEN * 4], candidate[VM_NAME_LEN];
	const char *arg = cmdline;
	bool found = false;

	while (arg < end) {
		size_t arg_len = strnlen(arg, end - arg);
		bool name_option = is_name_option(arg, arg_len);
		size_t value_len;

		arg += arg_len + 1;
		if (!name_option)
			continue;
		if (arg >= end)
			break;
		value_len = strnlen(arg, end - arg);
		snprintf(value, sizeof(value), "%.*s", (int)value_len, arg);
		arg += value_len + 1;

		/* QEMU keeps the last -name given, so do we. */
		if (parse_qemu_name(value, candidate, sizeof(candidate))) {
			snprintf(name, size, "%s", candidate);
			found = true;
		}
	}
	return found;
}

/*
 * The value of the last "--option VALUE" or "--option=VALUE" (the two
 * spellings Firecracker's and Cloud Hypervisor's parsers take), copied
 * into value; false when the option is not there.
 */
static bool last_option_value(const char *cmdline, const char *end,
			      const char *option, char *value, size_t size)
{
	size_t option_len = strlen(option);
	const char *arg = cmdline;
	bool found = false;

	while (arg < end) {
		size_t arg_len = strnlen(arg, end - arg);
		const char *next = arg + arg_len + 1;

		if (arg_len == option_len && !memcmp(arg, option, option_len) &&
		    next < end) {
			snprintf(value, size, "%.*s",
				 (int)strnlen(next, end - next), next);
			found = true;
			next += strnlen(next, end - next) + 1;
		} else if (arg_len > option_len &&
			   !memcmp(arg, option, option_len) &&
			   arg[option_len] == '=') {
			snprintf(value, size, "%.*s",
				 (int)(arg_len - option_len - 1),
				 arg + option_len + 1);
			found = true;
		}
		arg = next;
	}
	return found;
}

/* Firecracker names its microVM with --id (the jailer passes its own on). */
static bool firecracker_name(const char *cmdline, const char *end, char *name,
			     size_t size)
{
	char id[VM_NAME_LEN];

	if (!last_option_value(cmdline, end, "--id", id, sizeof(id)) || !id[0])
		return false;
	snprintf(name, size, "%s", id);
	return true;
}

/*
 * Cloud Hypervisor has no name option; what tells its VMs apart is the
 * API socket each one serves, so the socket's file name, less a ".sock"
 * ending, names the VM: "--api-socket /run/ch/web01.sock" or
 * "--api-socket path=/run/ch/web01.sock,..." is web01.  A socket passed
 * as fd=N names nothing.
 */
static bool cloud_hypervisor_name(const char *cmdline, const char *end,
				  char *name, size_t size)
{
	char value[VM_NAME_LEN * 4];
	const char *path = value, *base;
	size_t len;

	if (!last_option_value(cmdline, end, "--api-socket", value,
			       sizeof(value)))
		return false;
	if (strchr(value, '=')) {
		const char *key = strstr(value, "path=");

		if (key != value && (!key || key[-1] != ','))
			return false;
		path = key + 5;
	}
	len = strcspn(path, ",");
	base = memrchr(path, '/', len);
	base = base ? base + 1 : path;
	len -= base - path;
	if (len > 5 && !memcmp(base + len - 5, ".sock", 5))
		len -= 5;
	if (!len)
		return false;
	snprintf(name, size, "%.*s", (int)len, base);
	return true;
}

static bool program_is(const char *argv0, size_t len, const char *program)
{
	const char *base = memrchr(argv0, '/', len);

	base = base ? base + 1 : argv0;
	len -= base - argv0;
	return len == strlen(program) && !memcmp(base, program, len);
}

bool vm_name_from_cmdline(const char *cmdline, size_t len, char *name,
			  size_t size)
{
	const char *end = cmdline + len;
	size_t argv0_len = strnlen(cmdline, len);

	if (!size)
		return false;
	name[0] = '\0';
	if (program_is(cmdline, argv0_len, "firecracker"))
		return firecracker_name(cmdline, end, name, size);
	if (program_is(cmdline, argv0_len, "cloud-hypervisor"))
		return cloud_hypervisor_name(cmdline, end, name, size);
	return qemu_name(cmdline, end, name, size);
}

static ssize_t read_proc_file(const char *proc_root, pid_t pid,
			      const char *file, char *buf, size_t size)
{
	char path[256];
	size_t len = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%d/%s", proc_root, (int)pid, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len < size) {
		n = read(fd, buf + len, size - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return n;
		}
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	return len;
}

/*
 * Returns 1 when the process holds a KVM VM file, 0 when it holds none,
 * and -errno when its files cannot be listed (another user's process
 * without privilege): then the caller trusts the pid.
 */
static int holds_kvm_vm(const char *proc_root, pid_t pid)
{
	char dir_path[256], link_path[512], target[64];
	struct dirent *entry;
	int found = 0;
	DIR *dir;

	snprintf(dir_path, sizeof(dir_path), "%s/%d/fd", proc_root, (int)pid);
	dir = opendir(dir_path);
	if (!dir)
		return -errno;
	while ((entry = readdir(dir))) {
		ssize_t n;

		if (entry->d_name[0] == '.')
			continue;
		snprintf(link_path, sizeof(link_path), "%s/%s", dir_path,
			 entry->d_name);
		n = readlink(link_path, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		if (!strcmp(target, "anon_inode:kvm-vm")) {
			found = 1;
			break;
		}
	}
	closedir(dir);
	return found;
}

/* The name the process's command line or else its comm gives it. */
static void name_of_process(const char *proc_root, pid_t pid, char *name,
			    size_t size)
{
	ssize_t len;

	len = read_proc_file(proc_root, pid, "cmdline", cmdline_buf,
			     sizeof(cmdline_buf));
	if (len > 0 && vm_name_from_cmdline(cmdline_buf, len, name, size))
		return;

	len = read_proc_file(proc_root, pid, "comm", cmdline_buf,
			     sizeof(cmdline_buf) - 1);
	if (len <= 0)
		return;
	cmdline_buf[len] = '\0';
	cmdline_buf[strcspn(cmdline_buf, "\n")] = '\0';
	snprintf(name, size, "%s", cmdline_buf);
}

void vm_name_lookup(const char *proc_root, pid_t pid, char *name, size_t size)
{
	if (!size)
		return;
	name[0] = '\0';
	if (pid <= 0 || holds_kvm_vm(proc_root, pid) == 0)
		return;
	name_of_process(proc_root, pid, name, size);
}

static pid_t pid_of_entry(const char *entry)
{
	char *end;
	long pid;

	if (*entry < '1' || *entry > '9')
		return 0;
	errno = 0;
	pid = strtol(entry, &end, 10);
	if (errno || *end || pid > INT32_MAX)
		return 0;
	return pid;
}

int vm_name_find(const char *proc_root, const char *name, pid_t *pids,
		 size_t max)
{
	char candidate[VM_NAME_LEN];
	struct dirent *entry;
	size_t found = 0;
	DIR *dir;

	dir = opendir(proc_root);
	if (!dir)
		return -errno;
	while ((entry = readdir(dir))) {
		pid_t pid = pid_of_entry(entry->d_name);

		if (!pid)
			continue;
		/* The name first: listing every process's files is dearer. */
		candidate[0] = '\0';
		name_of_process(proc_root, pid, candidate, sizeof(candidate));
		if (strcmp(candidate, name) ||
		    holds_kvm_vm(proc_root, pid) == 0)
			continue;
		if (found < max)
			pids[found] = pid;
		found++;
	}
	closedir(dir);
	if (found > INT_MAX)
		found = INT_MAX;
	return found;
}
