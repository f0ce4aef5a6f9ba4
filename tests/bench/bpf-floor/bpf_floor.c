// SPDX-License-Identifier: GPL-2.0
/*
 * bpf-floor OBJ -- CMD [ARGS...]: attaches every program of OBJ (empty
 * raw tracepoint programs, bpf_floor.bpf.c), runs CMD, detaches.  Exits
 * with CMD's status; 2 when OBJ cannot be loaded or attached.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_LINKS 8

int main(int argc, char **argv)
{
	struct bpf_link *links[MAX_LINKS];
	struct bpf_program *prog;
	struct bpf_object *obj;
	int nr_links = 0, status = 2, wstatus;
	pid_t pid;

	if (argc < 4 || strcmp(argv[2], "--")) {
		fprintf(stderr, "usage: bpf-floor OBJ -- CMD [ARGS...]\n");
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "bpf-floor: cannot load %s: %s\n", argv[1],
			strerror(errno));
		return 2;
	}
	bpf_object__for_each_program(prog, obj) {
		if (nr_links == MAX_LINKS) {
			fprintf(stderr, "bpf-floor: more than %d programs\n",
				MAX_LINKS);
			goto detach;
		}
		links[nr_links] = bpf_program__attach(prog);
		if (!links[nr_links]) {
			fprintf(stderr, "bpf-floor: cannot attach %s: %s\n",
				bpf_program__name(prog), strerror(errno));
			goto detach;
		}
		nr_links++;
	}
	fprintf(stderr, "bpf-floor: %d programs attached\n", nr_links);

	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "bpf-floor: fork: %s\n", strerror(errno));
		goto detach;
	}
	if (pid == 0) {
		execvp(argv[3], argv + 3);
		fprintf(stderr, "bpf-floor: cannot run %s: %s\n", argv[3],
			strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &wstatus, 0) == pid)
		status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) :
					      128 + WTERMSIG(wstatus);
detach:
	while (nr_links > 0)
		bpf_link__destroy(links[--nr_links]);
	bpf_object__close(obj);
	return status;
}
