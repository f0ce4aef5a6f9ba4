// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit-stat export: the counters as a Prometheus/OpenMetrics endpoint,
 * served by libmicrohttpd.  Every scrape reads the backend there and
 * then: the module over netlink, or the maps of the BPF programs, which
 * stay attached while export runs.  user/metrics.c writes the text.
 *
 * libmicrohttpd answers in one thread of its own, one request at a time,
 * so that the netlink socket and the maps are only ever read from there.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "bpf_backend.h"
#include "cli.h"
#include "commands.h"
#include "exit_stats.h"
#include "genl_client.h"
#include "metrics.h"
#include "view.h"

/*
 * 9958: free in Prometheus' list of default exporter ports (the 9100
 * range is taken up to well past 9900), and by nothing of Debian's.
 */
#define EXPORT_DEFAULT_LISTEN "127.0.0.1:9958"

#define CLI_OPT_PER_VCPU 600
#define CLI_OPT_LISTEN 601

static void export_usage(FILE *out)
{
	fprintf(out,
		"usage: vmexit-stat export [--listen ADDR:PORT] "
		"[--backend module|bpf|auto]\n"
		"                          [--vm PID|NAME] [--vm-id ID] "
		"[--per-vcpu]\n"
		"\n"
		"Serves the VM-exit counters to Prometheus: GET /metrics "
		"answers in the\n"
		"OpenMetrics format when the scraper asks for it (Accept: "
		"application/\n"
		"openmetrics-text), else in the Prometheus text format.  Each "
		"scrape reads\n"
		"the counters then; with the BPF backend the programs count "
		"from the start\n"
		"of export until it ends (Ctrl-C or SIGTERM).\n"
		"\n"
		"  -l, --listen ADDR:PORT  where to listen (default %s);\n"
		"                      [ADDR]:PORT for IPv6, 0.0.0.0:PORT for "
		"every address\n"
		"  -b, --backend B     module, bpf, or auto (default): the "
		"module when it is\n"
		"                      loaded, else BPF\n"
		"  -p, --vm PID|NAME   only the VM of this process, or of this name\n"
		"      --vm-id ID      only the VM with this vm_id\n"
		"      --per-vcpu      exits per vCPU too (a series per vCPU "
		"and reason)\n"
		"  -h, --help          this text\n"
		"\n"
		"Metrics (Documentation/export.rst): vmexit_stat_exits_total, "
		"_exit_latency_\n"
		"seconds (histogram), _user_exits_total, _vcpu_steal_seconds_"
		"total (module),\n"
		"_exits_dropped_total, _build_info, ...\n"
		"\n"
		"Examples:\n"
		"  vmexit-stat export\n"
		"  vmexit-stat export --listen 0.0.0.0:9958 --backend bpf\n"
		"  curl -s http://127.0.0.1:9958/metrics\n"
		"\n"
		"Exit status: 0 after Ctrl-C or SIGTERM, 1 when the backend "
		"or the address\n"
		"cannot be had (port in use), 2 for a bad command line.\n",
		EXPORT_DEFAULT_LISTEN);
}

struct exporter {
	enum cli_backend backend;
	struct vmexit_filter filter;
	bool per_vcpu;
	struct vmexit_client client; /* the module's */
	/* BPF: set while the programs are attached, under lock */
	pthread_mutex_t lock;
	struct bpf_reader *reader;
	struct MHD_Daemon *daemon;
	char where[96]; /* the address, as said to the user */
};

static void name_vm(const struct vmexit_vm *vm, char *name, size_t size)
{
	vm_display_name("/proc", vm, name, size);
}

/* 0, or -errno with what failed in *what. */
static int read_module(struct exporter *ex, struct metrics_snapshot *snap,
		       const char **what)
{
	int err;

	/*
	 * Per vCPU, summed per VM by user/metrics.c: the module's replies
	 * to BY_VM dumps carry no BY_VM flag, which the parser wants.
	 */
	*what = "reading the module's info";
	err = vmexit_get_info(&ex->client, &snap->info);
	if (!err) {
		*what = "reading the exit counters";
		err = vmexit_dump_exits(&ex->client, &ex->filter, &snap->exits);
	}
	if (!err) {
		*what = "reading the exits to user space";
		err = vmexit_dump_user_exits(&ex->client, &ex->filter,
					     &snap->user_exits);
	}
	if (!err) {
		*what = "reading the vCPUs' scheduling";
		err = vmexit_dump_sched(&ex->client, &ex->filter, &snap->sched);
		snap->has_sched = !err;
	}
	if (!err) {
		*what = "reading the VMs";
		err = vmexit_dump_vms(&ex->client, &ex->filter, &snap->vms);
	}
	return err;
}

static int read_bpf(struct exporter *ex, struct metrics_snapshot *snap,
		    const char **what)
{
	struct bpf_collection got;
	int err = -EAGAIN;

	*what = "reading the BPF maps";
	pthread_mutex_lock(&ex->lock);
	if (ex->reader)
		err = bpf_backend_read(ex->reader, &ex->filter, &got);
	pthread_mutex_unlock(&ex->lock);
	if (err == -EAGAIN)
		return err; /* not attached (yet, or any more): nothing read */
	/* The collection's lists become the snapshot's. */
	snap->info = got.info;
	snap->exits = got.exits;
	snap->user_exits = got.user_exits;
	snap->vms = got.vms;
	vmexit_details_free(&got.details);
	return err;
}

static enum MHD_Result respond(struct MHD_Connection *conn, unsigned int status,
			       const char *type, char *body, size_t len)
{
	struct MHD_Response *response;
	enum MHD_Result ret;

	response = MHD_create_response_from_buffer(len, body,
						   MHD_RESPMEM_MUST_FREE);
	if (!response) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(conn, status, response);
	MHD_destroy_response(response);
	return ret;
}

static enum MHD_Result respond_text(struct MHD_Connection *conn,
				    unsigned int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum MHD_Result respond_text(struct MHD_Connection *conn,
				    unsigned int status, const char *fmt, ...)
{
	char *body;
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vasprintf(&body, fmt, ap);
	va_end(ap);
	if (len < 0)
		return MHD_NO;
	return respond(conn, status, "text/plain; charset=utf-8", body, len);
}

static enum MHD_Result serve_metrics(struct exporter *ex,
				     struct MHD_Connection *conn)
{
	struct metrics_snapshot snap = {
		.backend = ex->backend == CLI_BACKEND_BPF ? "bpf" : "module",
		.per_vcpu = ex->per_vcpu,
		.vm_name = name_vm,
	};
	enum metrics_format format = metrics_negotiate(
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
					    MHD_HTTP_HEADER_ACCEPT));
	const char *what = "";
	size_t len = 0;
	char *text;
	int err;

	if (ex->backend == CLI_BACKEND_BPF)
		err = read_bpf(ex, &snap, &what);
	else
		err = read_module(ex, &snap, &what);
	if (err) {
		/* Prometheus shows the body of a failed scrape: say why. */
		if (ex->backend == CLI_BACKEND_MODULE)
			vmexit_print_error(&ex->client, what, err);
		else
			fprintf(stderr, "vmexit-stat: %s: %s\n", what,
				strerror(-err));
		metrics_snapshot_free(&snap);
		return respond_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
				    "vmexit-stat: %s: %s\n", what,
				    ex->backend == CLI_BACKEND_MODULE &&
						    ex->client.extack[0] ?
					    ex->client.extack :
					    strerror(-err));
	}
	err = metrics_format_text(&snap, format, &text, &len);
	metrics_snapshot_free(&snap);
	if (err)
		return respond_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				    "vmexit-stat: writing the metrics: %s\n",
				    strerror(-err));
	return respond(conn, MHD_HTTP_OK, metrics_content_type(format), text,
		       len);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct exporter *ex = cls;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)con_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return respond_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
				    "vmexit-stat export: only GET, not %s\n",
				    method);
	if (!strcmp(url, "/metrics"))
		return serve_metrics(ex, conn);
	if (!strcmp(url, "/"))
		return respond_text(conn, MHD_HTTP_OK,
				    "vmexit-stat export: the metrics are at "
				    "/metrics\n");
	return respond_text(conn, MHD_HTTP_NOT_FOUND,
			    "vmexit-stat export: no %s here; the metrics are "
			    "at /metrics\n",
			    url);
}

/*
 * ADDR:PORT, or [ADDR6]:PORT, into addr.  false when it is neither, or
 * the port is not 1 to 65535.
 */
static bool parse_listen(const char *arg, struct sockaddr_storage *addr,
			 socklen_t *addr_len)
{
	const char *colon = strrchr(arg, ':');
	char host[INET6_ADDRSTRLEN + 2];
	uint32_t port;
	size_t host_len;

	memset(addr, 0, sizeof(*addr));
	if (!colon || !cli_parse_u32(colon + 1, &port) || !port || port > 65535)
		return false;
	host_len = colon - arg;
	if (host_len >= sizeof(host))
		return false;
	memcpy(host, arg, host_len);
	host[host_len] = '\0';
	if (host_len > 2 && host[0] == '[' && host[host_len - 1] == ']') {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)addr;

		host[host_len - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &in6->sin6_addr) != 1)
			return false;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		*addr_len = sizeof(*in6);
		return true;
	}
	struct sockaddr_in *in = (struct sockaddr_in *)addr;

	if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
		return false;
	in->sin_family = AF_INET;
	in->sin_port = htons(port);
	*addr_len = sizeof(*in);
	return true;
}

/* A listening socket, or -1 after saying why. */
static int listen_on(const struct sockaddr_storage *addr, socklen_t len,
		     const char *where)
{
	int fd, one = 1;

	fd = socket(addr->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr,
			"vmexit-stat: cannot make a socket for %s: %s\n", where,
			strerror(errno));
		return -1;
	}
	/* A restart must not wait for the last run's TIME_WAIT. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)addr, len) || listen(fd, 64)) {
		int err = errno;

		if (err == EADDRINUSE)
			fprintf(stderr,
				"vmexit-stat: cannot listen on %s: the port "
				"is in use (another exporter?); choose "
				"another with --listen\n",
				where);
		else
			fprintf(stderr,
				"vmexit-stat: cannot listen on %s: %s\n", where,
				strerror(err));
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * libmicrohttpd's thread, started with SIGINT and SIGTERM blocked, never
 * takes them: they wake the main thread's wait instead.  0 or 1.
 */
static int start_server(struct exporter *ex, int fd)
{
	sigset_t block, old;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	ex->daemon = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL,
		NULL, on_request, ex, MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
		MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!ex->daemon) {
		fprintf(stderr,
			"vmexit-stat: libmicrohttpd could not serve %s\n",
			ex->where);
		close(fd);
		return 1;
	}
	return 0;
}

static void serve_until_stopped(struct exporter *ex)
{
	struct view_stop saved;

	view_catch_stop(&saved);
	fprintf(stderr,
		"vmexit-stat: serving the %s's counters at http://%s/metrics; "
		"Ctrl-C to stop\n",
		ex->backend == CLI_BACKEND_BPF ? "BPF backend" : "module",
		ex->where);
	view_wait_for_stop();
	view_release_stop(&saved);
	/* Waits for a scrape under way: nothing reads after this. */
	MHD_stop_daemon(ex->daemon);
	ex->daemon = NULL;
}

static int serve_bpf(struct bpf_reader *reader, void *ctx)
{
	struct exporter *ex = ctx;

	pthread_mutex_lock(&ex->lock);
	ex->reader = reader;
	pthread_mutex_unlock(&ex->lock);
	serve_until_stopped(ex);
	ex->reader = NULL;
	return 0;
}

/* auto: the module when it is loaded, else BPF.  0, or 1 after saying why. */
static int open_backend(struct exporter *ex)
{
	if (ex->backend == CLI_BACKEND_AUTO) {
		int err = vmexit_client_open(&ex->client);

		if (!err) {
			vmexit_client_close(&ex->client);
		}
		ex->backend = err == -ENOENT ? CLI_BACKEND_BPF :
					       CLI_BACKEND_MODULE;
	}
	if (ex->backend == CLI_BACKEND_BPF)
		return cli_check_vm(NULL, &ex->filter, true);
	if (vmexit_connect(&ex->client))
		return 1;
	if (cli_check_vm(&ex->client, &ex->filter, true)) {
		vmexit_client_close(&ex->client);
		return 1;
	}
	return 0;
}

int cmd_export(int argc, char **argv)
{
	static const struct option long_options[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "backend", required_argument, NULL, 'b' },
		{ "vm", required_argument, NULL, 'p' },
		{ "vm-id", required_argument, NULL, CLI_OPT_VM_ID },
		{ "per-vcpu", no_argument, NULL, CLI_OPT_PER_VCPU },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct exporter ex = { .backend = CLI_BACKEND_AUTO };
	const char *listen_arg = EXPORT_DEFAULT_LISTEN;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	int opt, fd, ret;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "l:b:p:h", long_options, NULL)) !=
	       -1) {
		switch (opt) {
		case 'l':
			listen_arg = optarg;
			break;
		case 'b':
			if (!strcmp(optarg, "module"))
				ex.backend = CLI_BACKEND_MODULE;
			else if (!strcmp(optarg, "bpf"))
				ex.backend = CLI_BACKEND_BPF;
			else if (!strcmp(optarg, "auto"))
				ex.backend = CLI_BACKEND_AUTO;
			else
				return cli_bad_usage(export_usage,
						     "--backend wants module, "
						     "bpf or auto, not '%s'",
						     optarg);
			break;
		case CLI_OPT_PER_VCPU:
			ex.per_vcpu = true;
			break;
		case 'h':
			export_usage(stdout);
			return 0;
		default:
			ret = cli_filter_option(&ex.filter, opt, optarg,
						export_usage);
			if (ret >= 0) {
				if (ret)
					return ret;
				break;
			}
			export_usage(stderr);
			return 2;
		}
	}
	if (optind < argc)
		return cli_bad_usage(export_usage,
				     "export takes no argument, not '%s'",
				     argv[optind]);
	if (!parse_listen(listen_arg, &addr, &addr_len))
		return cli_bad_usage(export_usage,
				     "--listen wants ADDR:PORT (an IPv4 "
				     "address, or [IPv6], and a port from 1 "
				     "to 65535), not '%s'",
				     listen_arg);
	snprintf(ex.where, sizeof(ex.where), "%s", listen_arg);

	/* The address first: a port in use is said before BPF loads. */
	fd = listen_on(&addr, addr_len, ex.where);
	if (fd < 0)
		return 1;
	if (open_backend(&ex)) {
		close(fd);
		return 1;
	}
	pthread_mutex_init(&ex.lock, NULL);
	if (start_server(&ex, fd)) {
		ret = 1;
	} else if (ex.backend == CLI_BACKEND_MODULE) {
		serve_until_stopped(&ex);
		ret = 0;
	} else {
		struct bpf_collect how = {
			.while_attached = serve_bpf,
			.ctx = &ex,
		};
		struct bpf_collection got;

		ret = bpf_backend_collect(&how, &ex.filter, &got);
		bpf_collection_free(&got);
		if (ex.daemon) /* the programs never attached */
			MHD_stop_daemon(ex.daemon);
	}
	if (ex.backend == CLI_BACKEND_MODULE)
		vmexit_client_close(&ex.client);
	/* libmicrohttpd closes a socket it was given when it stops. */
	pthread_mutex_destroy(&ex.lock);
	return ret;
}
