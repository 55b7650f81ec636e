/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcipass CLI internals.
 */
#ifndef PCIPASS_CLI_H
#define PCIPASS_CLI_H

#include <stdbool.h>

#include <pcipass/libpcipass.h>

#include "pcipass_filter.h"

#define EXIT_USAGE 2

struct pp {
	struct pcipass_ctx *ctx;
	bool json;
	bool pretty;
	bool details;
	/* -h or --help after an object: its help, as "OBJECT help". */
	bool help;
	/* -s: enum pcipass_source asked for. */
	bool source_set;
	int source;
	/*
	 * Where the snapshot being printed came from, for the "source" key of
	 * top-level JSON objects; NULL inside a group.
	 */
	const char *dev_source;
};

struct pp_cmd {
	const char *name;
	int (*fn)(struct pp *pp, int argc, char **argv);
};

/* iproute2 style: @arg is a non-empty prefix of @word. */
bool matches(const char *arg, const char *word);

/*
 * Run the verb of @object named by argv[0] (the first entry of @cmds if
 * there is none). Returns an exit status.
 */
int pp_dispatch(struct pp *pp, const char *object, const struct pp_cmd *cmds,
		int argc, char **argv);

/* Print "pcipass: <message>" and return EXIT_USAGE. */
int pp_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Print "pcipass: <what>: <strerror>" and the library's explanation as
 * "Error: ...", and return EXIT_FAILURE.
 */
int pp_fail(struct pp *pp, const char *what, int err);

/*
 * Print where @snap (or, if NULL, a function from @source) came from: the
 * text header "source: sysfs ..." (always for sysfs, with -d for netlink).
 * Returns the source's name for the JSON "source" keys.
 */
const char *pp_print_source_header(struct pp *pp, int source);

/* Finish output; returns the exit status. */
int pp_output_end(void);

/*
 * A FILTER that matches no function is an error, the same for every verb:
 * "pcipass: <verb> <filter>: no PCI function matches" on stderr, nothing on
 * stdout, EXIT_FAILURE (as iproute2 does for a device that does not exist;
 * lspci -s prints nothing and exits 0, which hides a typo in a script).
 */
int pp_no_match(const char *verb, const char *filter);
/* Whether any function of @snap matches @f (bridges too). */
bool pp_any_match(struct pcipass_snapshot *snap,
		  const struct pcipass_slot_filter *f);

/* Parse a slot filter argument; returns 0 or EXIT_USAGE after a message. */
int pp_parse_slot_filter(const char *arg, struct pcipass_slot_filter *f);
/*
 * The same, where @cmd also takes @keywords (NULL-terminated): an
 * argument that is a word and no filter is called an unknown keyword, with
 * the nearest one suggested, not an invalid filter.
 */
int pp_parse_filter_arg(const char *cmd, const char *arg,
			const char *const *keywords,
			struct pcipass_slot_filter *f);
/* An optional FILTER and nothing after it; usage error otherwise. */
int pp_parse_optional_filter(int argc, char **argv, const char *object,
			     struct pcipass_slot_filter *f);

/* dev.c */
enum dev_layout {
	DEV_LAYOUT_ROW,
	DEV_LAYOUT_MEMBER,
	DEV_LAYOUT_DETAILS,
};

void dev_print_header(struct pp *pp);
/* Print @dev as one JSON object (opened here) and in the text @layout. */
void dev_print(struct pp *pp, const struct pcipass_dev *dev,
	       enum dev_layout layout);
int do_dev(struct pp *pp, int argc, char **argv);

/* policy.c */
int do_policy(struct pp *pp, int argc, char **argv);

/* group.c */
int do_group(struct pp *pp, int argc, char **argv);

/* check.c: exit status 0 all passed, 3 warnings, 1 failures. */
int do_check(struct pp *pp, int argc, char **argv);

/* why.c */
int do_why(struct pp *pp, int argc, char **argv);

/* claim.c */
int do_claim(struct pp *pp, int argc, char **argv);
int do_release(struct pp *pp, int argc, char **argv);

/* monitor.c */
int do_monitor(struct pp *pp, int argc, char **argv);

/* persist.c */
int do_persist(struct pp *pp, int argc, char **argv);

/* xml.c, attach.c, nova.c, kubevirt.c: hand functions to others */
int do_xml(struct pp *pp, int argc, char **argv);
int do_attach(struct pp *pp, int argc, char **argv);
int do_nova(struct pp *pp, int argc, char **argv);
int do_kubevirt(struct pp *pp, int argc, char **argv);

#endif /* PCIPASS_CLI_H */
