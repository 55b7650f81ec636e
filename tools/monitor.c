// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcipass monitor: print pcipass events as they happen, until SIGINT or
 * SIGTERM.
 *
 * Text: one line per event, "bind    0000:01:00.0 nvme  generation 42".
 * JSON (-j): one object per line, flushed per event:
 *
 *	{ "type": "bind", "bdf": "0000:01:00.0", "driver": "nvme",
 *	  "generation": 42 }
 *
 * type is the spec's enum name (add, remove, bind, unbind, claim,
 * release); driver is null when the event names none.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "pcipass-cli.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int print_event(struct pcipass_monitor *mon,
		       const struct pcipass_event *ev, void *data)
{
	struct pp *pp = data;
	int type = pcipass_event_get_type(ev);
	const char *name = pcipass_event_type_name(type);
	char buf[16];

	(void)mon;
	if (!name) {
		snprintf(buf, sizeof(buf), "%d", type);
		name = buf;
	}

	output_start_object(pp->json, false);
	print_string(PRINT_ANY, "type", "%-7s ", name);
	print_string(PRINT_ANY, "bdf", "%s ", pcipass_event_get_bdf(ev));
	print_string(PRINT_ANY, "driver", "%-14s ",
		     pcipass_event_get_driver(ev));
	print_uint(PRINT_ANY, "generation", "generation %s\n",
		   pcipass_event_get_generation(ev));
	/* Stop on a closed pipe rather than writing into the void. */
	return output_end() ? -EPIPE : 0;
}

static int monitor_run(struct pp *pp, int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, orig;
	struct pcipass_monitor *mon;
	struct pollfd pfd;
	int err, ret = EXIT_SUCCESS;

	if (argc > 0 && matches(argv[0], "help")) {
		fputs("Usage: pcipass [-j] monitor\n"
		      "Prints every add, remove, bind and unbind of a PCI function\n"
		      "and every claim and release by pcipass, one line each, until\n"
		      "interrupted. With -j, one JSON object per line.\n", stdout);
		return EXIT_SUCCESS;
	}
	if (argc > 0)
		return pp_usage_error("unexpected argument \"%s\"; try \"pcipass monitor help\"",
				      argv[0]);

	err = pcipass_monitor_new(pp->ctx, &mon);
	if (err < 0)
		return pp_fail(pp, "monitor", err);

	/*
	 * The signals stay blocked except inside ppoll(), so one that comes
	 * between the check of the flag and the wait cannot be missed.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &orig);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	pfd.fd = pcipass_monitor_get_fd(mon);
	pfd.events = POLLIN;
	while (!stop) {
		if (ppoll(&pfd, 1, NULL, &orig) < 0) {
			if (errno == EINTR)
				continue;
			ret = pp_fail(pp, "monitor: poll", -errno);
			break;
		}
		err = pcipass_monitor_dispatch(mon, print_event, pp);
		if (err == -ENOBUFS) {
			/* Keep going: later events still arrive. */
			fprintf(stderr, "pcipass: monitor: events lost (receive buffer overflow)\n");
			continue;
		}
		if (err == -EPIPE) {
			ret = EXIT_FAILURE;
			break;
		}
		if (err < 0) {
			ret = pp_fail(pp, "monitor", err);
			break;
		}
	}

	pcipass_monitor_unref(mon);
	sigprocmask(SIG_SETMASK, &orig, NULL);
	return ret;
}

int do_monitor(struct pp *pp, int argc, char **argv)
{
	return monitor_run(pp, argc, argv);
}
