/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_VM_NAME_H
#define VMEXIT_STAT_VM_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * A VM's name, worked out in user space from its VMM's command line, so
 * that it does not depend on what the VMM calls its threads:
 *   QEMU, and QEMU as libvirt starts it: "-name guest=X,..." or "-name X"
 *   (libvirt passes its domain name as guest=);
 *   Firecracker: "--id X";
 *   Cloud Hypervisor, which has no name option: the file name of its API
 *   socket less ".sock" ("--api-socket [path=]/run/X.sock");
 * else the process name (/proc/PID/comm).
 */

#define VM_NAME_LEN 256

/*
 * Finds the VM's name in a VMM's command line as /proc/PID/cmdline holds
 * it (arguments separated by NULs, the last one maybe unterminated).
 * Returns false, with name set to "", when there is none.
 */
bool vm_name_from_cmdline(const char *cmdline, size_t len, char *name,
			  size_t size);

/*
 * Names the VM whose VMM has this pid, reading proc_root ("/proc" but
 * for tests).  The name is "" when the process is gone, or when the pid
 * now belongs to a process that holds no KVM VM (the kernel keeps the
 * counters of VMs that have ended, and pids are reused).
 */
void vm_name_lookup(const char *proc_root, pid_t pid, char *name, size_t size);

/*
 * The pids of the processes holding a KVM VM that vm_name_lookup() would
 * name name: how many there are (the first max of them in pids), or
 * -errno when proc_root cannot be read.
 */
int vm_name_find(const char *proc_root, const char *name, pid_t *pids,
		 size_t max);

static inline void vm_name_for_pid(pid_t pid, char *name, size_t size)
{
	vm_name_lookup("/proc", pid, name, size);
}

#endif /* VMEXIT_STAT_VM_NAME_H */
