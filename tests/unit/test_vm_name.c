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

static void libvirt_domain_with_commas(void)
{
	/* libvirt doubles the commas of a domain name for QEMU. */
	static const char cmdline[] =
		"/usr/bin/qemu-system-x86_64\0-name\0"
		"guest=prod,,db,,01,debug-threads=on\0-S\0"
		"-object\0{\"qom-type\":\"secret\"}\0-uuid\0"
		"c7a5fdbd-edaf-9455-926a-d65c16db1809\0";
	char name[VM_NAME_LEN];

	CHECK(PARSE(cmdline, name));
	CHECK_STR(name, "prod,db,01");
}

static void firecracker_id(void)
{
	static const char spaced[] =
		"/usr/bin/firecracker\0--api-sock\0/run/fc.sock\0--id\0"
		"fc-web,1\0--config-file\0/etc/fc/vm.json\0";
	static const char joined[] = "firecracker\0--id=jailed-7\0";
	static const char no_id[] =
		"firecracker\0--config-file\0/etc/fc/named.json\0";
	static const char dangling[] = "firecracker\0--id\0";
	/* Only Firecracker's --id counts: QEMU has none. */
	static const char qemu_id[] = "qemu\0--id\0x\0";
	char name[VM_NAME_LEN];

	CHECK(PARSE(spaced, name));
	CHECK_STR(name, "fc-web,1");
	CHECK(PARSE(joined, name));
	CHECK_STR(name, "jailed-7");
	CHECK(!PARSE(no_id, name));
	CHECK(!PARSE(dangling, name));
	CHECK(!PARSE(qemu_id, name));
}

static void cloud_hypervisor_api_socket(void)
{
	static const char plain[] =
		"/usr/local/bin/cloud-hypervisor\0--kernel\0vmlinux\0"
		"--api-socket\0/run/ch/web01.sock\0";
	static const char keyed[] =
		"cloud-hypervisor\0--api-socket\0path=/run/ch/db.api,fd=-1\0";
	static const char joined[] =
		"cloud-hypervisor\0--api-socket=ch-3.sock\0";
	static const char by_fd[] = "cloud-hypervisor\0--api-socket\0fd=3\0";
	static const char no_socket[] = "cloud-hypervisor\0--cpus\0boot=1\0";
	static const char no_file_name[] =
		"cloud-hypervisor\0--api-socket\0/run/ch/\0";
	/* Nothing left without ".sock": the file name as it is. */
	static const char only_suffix[] =
		"cloud-hypervisor\0--api-socket\0/run/.sock\0";
	char name[VM_NAME_LEN];

	CHECK(PARSE(plain, name));
	CHECK_STR(name, "web01");
	CHECK(PARSE(keyed, name));
	CHECK_STR(name, "db.api");
	CHECK(PARSE(joined, name));
	CHECK_STR(name, "ch-3");
	CHECK(!PARSE(by_fd, name));
	CHECK(!PARSE(no_socket, name));
	CHECK(!PARSE(no_file_name, name));
	CHECK(PARSE(only_suffix, name));
	CHECK_STR(name, ".sock");
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

static void find_by_name(void)
{
	static const char qemu_a[] = "qemu\0-name\0guest=twin\0";
	static const char fc[] = "firecracker\0--id\0twin\0";
	static const char other[] = "qemu\0-name\0guest=solo\0";
	pid_t pids[4] = {};
	char cmd[128];

	snprintf(proc_root, sizeof(proc_root), "/tmp/vmexit-unit-XXXXXX");
	CHECK(mkdtemp(proc_root));
	make_process("11", qemu_a, sizeof(qemu_a) - 1, "qemu\n",
		     "anon_inode:kvm-vm");
	make_process("12", fc, sizeof(fc) - 1, "firecracker\n",
		     "anon_inode:kvm-vm");
	make_process("13", other, sizeof(other) - 1, "qemu\n",
		     "anon_inode:kvm-vm");
	/* Named like a VM but holding none: not a VM. */
	make_process("14", other, sizeof(other) - 1, "qemu\n",
		     "anon_inode:[eventfd]");
	/* Named by its comm alone. */
	make_process("15", "kvmtool\0run\0", 12, "lkvm\n", "anon_inode:kvm-vm");
	/* Not processes. */
	CHECK(!mkdir(strcat(strcpy(cmd, proc_root), "/self"), 0700));
	CHECK(!mkdir(strcat(strcpy(cmd, proc_root), "/0"), 0700));

	CHECK(vm_name_find(proc_root, "solo", pids, 4) == 1);
	CHECK(pids[0] == 13);
	CHECK(vm_name_find(proc_root, "lkvm", pids, 4) == 1);
	CHECK(pids[0] == 15);
	CHECK(vm_name_find(proc_root, "twin", pids, 4) == 2);
	CHECK((pids[0] == 11 && pids[1] == 12) ||
	      (pids[0] == 12 && pids[1] == 11));
	/* More matches than room: all counted, max stored. */
	pids[1] = 0;
	CHECK(vm_name_find(proc_root, "twin", pids, 1) == 2);
	CHECK(pids[1] == 0);
	CHECK(vm_name_find(proc_root, "nobody", pids, 4) == 0);
	CHECK(vm_name_find(proc_root, "tw", pids, 4) == 0);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", proc_root);
	CHECK(system(cmd) == 0);
	CHECK(vm_name_find(proc_root, "solo", pids, 4) < 0);
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
	{ "vm_name: libvirt's escaped domain name",
	  libvirt_domain_with_commas },
	{ "vm_name: Firecracker --id", firecracker_id },
	{ "vm_name: Cloud Hypervisor's API socket",
	  cloud_hypervisor_api_socket },
	{ "vm_name: lookup in a /proc tree", lookup_in_proc },
	{ "vm_name: find the pids of a name", find_by_name },
	{ "vm_name: a process without a VM", lookup_own_process },
	{}
};
