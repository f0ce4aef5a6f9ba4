// SPDX-License-Identifier: GPL-2.0
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "vm_name.h"

/* sizeof - 1: the literal's own final NUL is not part of the cmdline. */
#define PARSE(lit, name) \
	vm_name_from_cmdline(lit, sizeof(lit) - 1, name, sizeof(name))

static void libvirt_guest_key(void)
{
	static const char cmdline[] =
		"/usr/bin/qemu-system-x86_64\0-name\0"
		"guest=web01,debug-threads=on\0-S\0-machine\0pc-q35-7.2\0";
	char name[VM_NAME_LEN];

	CHECK(PARSE(cmdline, name));
	CHECK_STR(name, "web01");
}

static void implied_guest_key(void)
{
	static const char cmdline[] =
		"qemu-system-x86_64\0-m\0512\0-name\0vm2\0";
	char name[VM_NAME_LEN];

	CHECK(PARSE(cmdline, name));
	CHECK_STR(name, "vm2");
}

static void guest_key_not_first(void)
{
	static const char cmdline[] =
		"qemu\0-name\0debug-threads=on,guest=db,process=qemu-db\0";
	char name[VM_NAME_LEN];

	CHECK(PARSE(cmdline, name));
	CHECK_STR(name, "db");
}

static void escaped_commas(void)
{
	static const char cmdline[] = "qemu\0-name\0a,,b,debug-threads=on\0";
	static const char keyed[] = "qemu\0-name\0guest=x,,y,,,,z\0";
	char name[VM_NAME_LEN];

	CHECK(PARSE(cmdline, name));
	CHECK_STR(name, "a,b");
	CHECK(PARSE(keyed, name));
	CHECK_STR(name, "x,y,,z");
}

static void double_dash_and_bare_keys(void)
{
	static const char cmdline[] = "qemu\0--name\0vm3,debug-threads\0";
	char name[VM_NAME_LEN];

	CHECK(PARSE(cmdline, name));
	CHECK_STR(name, "vm3");
}

static void last_name_wins(void)
{
	static const char cmdline[] =
		"qemu\0-name\0guest=first\0-name\0second\0";
	char name[VM_NAME_LEN];

	CHECK(PARSE(cmdline, name));
	CHECK_STR(name, "second");
}

static void no_guest_name(void)
{
	static const char none[] = "qemu\0-m\0512\0";
	static const char no_value[] = "qemu\0-name\0";
	static const char no_guest[] = "qemu\0-name\0process=foo\0";
	static const char empty_guest[] = "qemu\0-name\0guest=\0";
	static const char value_looks_like_option[] = "qemu\0-namex\0vm\0";
	char name[VM_NAME_LEN] = "junk";

	CHECK(!PARSE(none, name));
	CHECK_STR(name, "");
	CHECK(!PARSE(no_value, name));
	CHECK(!PARSE(no_guest, name));
	CHECK(!PARSE(empty_guest, name));
	CHECK(!PARSE(value_looks_like_option, name));
	CHECK(!vm_name_from_cmdline("", 0, name, sizeof(name)));
	CHECK_STR(name, "");
}

static void unterminated_last_argument(void)
{
	/* A process may rewrite its arguments; the NUL can be missing. */
	static const char cmdline[] = "qemu\0-name\0guest=tail";
	char name[VM_NAME_LEN];

	CHECK(vm_name_from_cmdline(cmdline, sizeof(cmdline) - 1, name,
				   sizeof(name)));
	CHECK_STR(name, "tail");
}

static void truncated_to_buffer(void)
{
	static const char cmdline[] = "qemu\0-name\0guest=longname\0";
	char name[5];

	CHECK(PARSE(cmdline, name));
	CHECK_STR(name, "long");
}

static char proc_root[64];

static void write_file(const char *dir, const char *file, const char *data,
		       size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", proc_root, dir, file);
	f = fopen(path, "w");
	CHECK(f);
	if (!f)
		return;
	CHECK(fwrite(data, 1, len, f) == len);
	fclose(f);
}

static void make_process(const char *pid, const char *cmdline, size_t len,
			 const char *comm, const char *fd_target)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", proc_root, pid);
	CHECK(!mkdir(path, 0700));
	if (cmdline)
		write_file(pid, "cmdline", cmdline, len);
	if (comm)
		write_file(pid, "comm", comm, strlen(comm));
	if (fd_target) {
		char fd_dir[300], link[320];

		snprintf(fd_dir, sizeof(fd_dir), "%s/fd", path);
		CHECK(!mkdir(fd_dir, 0700));
		snprintf(link, sizeof(link), "%s/0", fd_dir);
		CHECK(!symlink("/dev/null", link));
		snprintf(link, sizeof(link), "%s/7", fd_dir);
		CHECK(!symlink(fd_target, link));
	}
}

static void lookup_in_proc(void)
{
	static const char qemu[] = "qemu\0-name\0guest=fromcmd\0";
	static const char plain[] = "/usr/bin/firecracker\0--api-sock\0x\0";
	char name[VM_NAME_LEN];
	char cmd[128];

	snprintf(proc_root, sizeof(proc_root), "/tmp/vmexit-unit-XXXXXX");
	CHECK(mkdtemp(proc_root));

	make_process("100", qemu, sizeof(qemu) - 1, "qemu-system-x86\n",
		     "anon_inode:kvm-vm");
	make_process("200", plain, sizeof(plain) - 1, "firecracker\n",
		     "anon_inode:kvm-vm");
	/* The VM ended and its pid went to a process with no VM. */
	make_process("300", plain, sizeof(plain) - 1, "bash\n",
		     "anon_inode:[eventfd]");
	/* Files we may not list: the pid is trusted. */
	make_process("500", qemu, sizeof(qemu) - 1, "qemu\n", NULL);

	vm_name_lookup(proc_root, 100, name, sizeof(name));
	CHECK_STR(name, "fromcmd");
	vm_name_lookup(proc_root, 200, name, sizeof(name));
	CHECK_STR(name, "firecracker");
	vm_name_lookup(proc_root, 300, name, sizeof(name));
	CHECK_STR(name, "");
	vm_name_lookup(proc_root, 400, name, sizeof(name));
	CHECK_STR(name, "");
	vm_name_lookup(proc_root, 500, name, sizeof(name));
	CHECK_STR(name, "fromcmd");
	vm_name_lookup(proc_root, 0, name, sizeof(name));
	CHECK_STR(name, "");

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", proc_root);
	CHECK(system(cmd) == 0);
}

static void lookup_own_process(void)
{
	char name[VM_NAME_LEN];

	/* We hold no VM, so the real /proc must give no name. */
	vm_name_for_pid(getpid(), name, sizeof(name));
	CHECK_STR(name, "");
}

const struct unit_test vm_name_tests[] = {
	{ "vm_name: libvirt -name guest=X,...", libvirt_guest_key },
	{ "vm_name: -name X", implied_guest_key },
	{ "vm_name: guest= after other keys", guest_key_not_first },
	{ "vm_name: ,, is a comma", escaped_commas },
	{ "vm_name: --name and bare keys", double_dash_and_bare_keys },
	{ "vm_name: the last -name wins", last_name_wins },
	{ "vm_name: no guest name", no_guest_name },
	{ "vm_name: unterminated cmdline", unterminated_last_argument },
	{ "vm_name: truncated to the buffer", truncated_to_buffer },
	{ "vm_name: lookup in a /proc tree", lookup_in_proc },
	{ "vm_name: a process without a VM", lookup_own_process },
	{}
};
