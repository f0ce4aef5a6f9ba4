// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark only (tests/bench/exit-overhead --variants): empty probes on
 * the tracepoints vmexit_stat hooks on a CPUID exit (kvm_exit, kvm_cpuid,
 * kvm_entry), so that what any tracepoint-based collector pays before it
 * does anything can be told from what vmexit_stat's own work costs.
 */
#include <linux/module.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

/*
 * One empty function for every prototype: x86-64 callers pass arguments
 * in registers that a callee ignoring them never reads.  The Debian
 * kernels measured are built without kCFI, which would refuse this.
 */
static void tp_floor_probe(void *data)
{
}

static const char *const tp_floor_names[] = {
	"kvm_exit", "kvm_cpuid", "kvm_entry",
};

static struct tracepoint *tp_floor_tps[ARRAY_SIZE(tp_floor_names)];

static int tp_floor_module_notify(struct notifier_block *nb,
				  unsigned long val, void *data)
{
	struct tp_module *tp_mod = data;
	struct module *mod = tp_mod->mod;
	unsigned int i, j;

	if (val != MODULE_STATE_COMING || strcmp(mod->name, "kvm"))
		return NOTIFY_OK;
	for (i = 0; i < mod->num_tracepoints; i++) {
		struct tracepoint *tp =
			tracepoint_ptr_deref(&mod->tracepoints_ptrs[i]);

		for (j = 0; j < ARRAY_SIZE(tp_floor_names); j++)
			if (!strcmp(tp->name, tp_floor_names[j]))
				tp_floor_tps[j] = tp;
	}
	return NOTIFY_OK;
}

static struct notifier_block tp_floor_nb = {
	.notifier_call = tp_floor_module_notify,
};

static void tp_floor_unregister(unsigned int n)
{
	while (n--)
		WARN_ON_ONCE(tracepoint_probe_unregister(tp_floor_tps[n],
							 tp_floor_probe,
							 NULL));
	tracepoint_synchronize_unregister();
}

static int __init tp_floor_init(void)
{
	unsigned int i;
	int err;

	/* Called at once for kvm, which is loaded already. */
	err = register_tracepoint_module_notifier(&tp_floor_nb);
	if (err)
		return err;
	unregister_tracepoint_module_notifier(&tp_floor_nb);

	for (i = 0; i < ARRAY_SIZE(tp_floor_names); i++) {
		if (!tp_floor_tps[i]) {
			pr_err("tracepoint %s not found\n", tp_floor_names[i]);
			err = -ENOENT;
			goto unregister_probes;
		}
		err = tracepoint_probe_register(tp_floor_tps[i],
						tp_floor_probe, NULL);
		if (err)
			goto unregister_probes;
	}
	return 0;

unregister_probes:
	tp_floor_unregister(i);
	return err;
}

static void __exit tp_floor_exit(void)
{
	tp_floor_unregister(ARRAY_SIZE(tp_floor_names));
}

module_init(tp_floor_init);
module_exit(tp_floor_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vmexit-stat benchmark: empty probes on KVM's exit tracepoints");
