// SPDX-License-Identifier: GPL-2.0-only OR LGPL-2.1-or-later
/*
 * Table-driven test of the claim= policy parser and matcher
 * (kmod/pcipass_filter.c, the same source the module builds), in
 * userspace. Prints TAP.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pcipass_filter.h"

#define DEVFN(slot, fn)	(((slot) << 3) | (fn))

/* A few functions of the seed user's server. */
static const struct pcipass_policy_dev nvme0 = { 0, 0x04, DEVFN(0, 0), 0x144d, 0xa80a, 0x010802 };
static const struct pcipass_policy_dev nvme1 = { 0, 0x05, DEVFN(0, 0), 0x144d, 0xa80a, 0x010802 };
static const struct pcipass_policy_dev gpu = { 0, 0x82, DEVFN(0, 0), 0x10de, 0x1b39, 0x030200 };
static const struct pcipass_policy_dev gpu_audio = { 0, 0x82, DEVFN(0, 1), 0x10de, 0x10ef, 0x040300 };
static const struct pcipass_policy_dev gpu_usb = { 0, 0x82, DEVFN(0, 2), 0x10de, 0x1ada, 0x0c0330 };
static const struct pcipass_policy_dev ahci = { 0, 0x00, DEVFN(0x1f, 2), 0x8086, 0x2922, 0x010601 };
static const struct pcipass_policy_dev vmd_nvme = { 0x10000, 0x01, DEVFN(0, 0), 0x144d, 0xa80a, 0x010802 };

struct match_case {
	const char *policy;
	const struct pcipass_policy_dev *dev;
	const char *dev_name;
	int want;
};

#define D(x) &(x), #x

static const struct match_case match_cases[] = {
	{ "", D(nvme0), 0 },
	/* The seed's example: one NVMe plus every function of the GPU. */
	{ "0000:05:00.0,0000:82:00.*", D(nvme1), 1 },
	{ "0000:05:00.0,0000:82:00.*", D(nvme0), 0 },
	{ "0000:05:00.0,0000:82:00.*", D(gpu), 1 },
	{ "0000:05:00.0,0000:82:00.*", D(gpu_audio), 1 },
	{ "0000:05:00.0,0000:82:00.*", D(gpu_usb), 1 },
	{ "0000:05:00.0,0000:82:00.*", D(ahci), 0 },
	{ "05:00", D(nvme1), 1 },
	{ "05:00", D(vmd_nvme), 0 },
	{ "10000:01:00.0", D(vmd_nvme), 1 },
	/* vendor:device takes every identical device, as vfio-pci.ids=. */
	{ "144d:a80a", D(nvme0), 1 },
	{ "144d:a80a", D(nvme1), 1 },
	{ "144d:A80A", D(vmd_nvme), 1 },
	{ "144d:a80a", D(gpu), 0 },
	{ "10de:*", D(gpu_usb), 1 },
	{ "*:1b39", D(gpu), 1 },
	{ "*:1b39", D(gpu_audio), 0 },
	/* Exclusions win, in any order. */
	{ "144d:a80a,!0000:04:00.0", D(nvme0), 0 },
	{ "!0000:04:00.0,144d:a80a", D(nvme0), 0 },
	{ "!0000:04:00.0,144d:a80a", D(nvme1), 1 },
	{ "!0000:04:00.0", D(nvme1), 0 },
	{ "82:00.*,!class=0x0c03", D(gpu_usb), 0 },
	{ "82:00.*,!class=0x0c03", D(gpu_audio), 1 },
	/* Classes: four digits are base class and subclass. */
	{ "class=0x0108", D(nvme0), 1 },
	{ "class=0108", D(nvme0), 1 },
	{ "class=0x0108", D(ahci), 0 },
	{ "class=0x010802", D(nvme0), 1 },
	{ "class=0x010800", D(nvme0), 0 },
	{ "class=0x0300/0xff00", D(gpu), 1 },
	{ "class=0x02/0xff", D(gpu), 1 },	/* subclass 02, any base */
	{ "class=0x02/0xff", D(gpu_audio), 0 },
	{ "class=0x030000/0xff0000", D(gpu), 1 },
	{ "class=0x030000/0xff0000", D(gpu_audio), 0 },
	{ "*", D(ahci), 1 },
};

struct error_case {
	const char *policy;
	unsigned int index;
	const char *token;
};

static const struct error_case error_cases[] = {
	{ "zz:00", 1, "zz:00" },
	{ "0000:05:00.0,zz:00", 2, "zz:00" },
	{ "0000:05:00.0,", 2, "" },
	{ ",0000:05:00.0", 1, "" },
	{ "0000:05:00.0,,82:00.*", 2, "" },
	{ "!", 1, "!" },
	{ "100:00.0", 1, "100:00.0" },
	{ "05:20.0", 1, "05:20.0" },
	{ "0000:05:00.8", 1, "0000:05:00.8" },
	{ "class=", 1, "class=" },
	{ "class=0x", 1, "class=0x" },
	{ "class=0x1234567", 1, "class=0x1234567" },
	{ "class=0x0108/", 1, "class=0x0108/" },
	{ "class=0x01zz", 1, "class=0x01zz" },
	{ "144d:a80a:1", 1, "144d:a80a:1" },
	{ "144d:a8", 1, "144d:a8" },
	{ " 05:00.0", 1, " 05:00.0" },
	{ "05:00.0 ", 1, "05:00.0 " },
	{ "0000:05:00.0;82:00.*", 1, "0000:05:00.0;82:00.*" },
};

static int tests;
static int failed;

static void ok(int cond, const char *fmt, const char *a, const char *b)
{
	tests++;
	if (!cond)
		failed++;
	printf("%sok %d - ", cond ? "" : "not ", tests);
	printf(fmt, a, b);
	printf("\n");
}

int main(void)
{
	static struct pcipass_policy p;
	struct pcipass_policy_error e;
	char many[PCIPASS_POLICY_MAX * 4 + 16];
	size_t i;
	int err, n;

	printf("TAP version 13\n");
	printf("1..%zu\n", sizeof(match_cases) / sizeof(match_cases[0]) +
	       sizeof(error_cases) / sizeof(error_cases[0]) + 3);

	for (i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
		const struct match_case *c = &match_cases[i];
		char what[96];

		err = pcipass_policy_parse(&p, c->policy, strlen(c->policy), NULL);
		snprintf(what, sizeof(what), "%s %s", c->want ? "takes" : "leaves",
			 c->dev_name);
		ok(!err && pcipass_policy_match(&p, c->dev) == !!c->want,
		   "\"%s\" %s", c->policy, what);
	}

	for (i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		const struct error_case *c = &error_cases[i];
		char want[64];

		memset(&e, 0, sizeof(e));
		p.n = 7;
		err = pcipass_policy_parse(&p, c->policy, strlen(c->policy), &e);
		snprintf(want, sizeof(want), "entry %u \"%s\"", c->index, c->token);
		ok(err == -EINVAL && p.n == 7 && e.index == c->index &&
		   e.token_len == strlen(c->token) &&
		   !strncmp(e.token, c->token, e.token_len) && e.reason,
		   "\"%s\" is refused at %s, policy untouched", c->policy, want);
	}

	/* The limit, and one past it. */
	for (n = 0, i = 0; n < PCIPASS_POLICY_MAX; n++)
		i += sprintf(many + i, "%s%x", n ? "," : "", n & 0x1f);
	err = pcipass_policy_parse(&p, many, i, NULL);
	ok(!err && p.n == PCIPASS_POLICY_MAX, "%s%s entries parse", "64", "");
	i += sprintf(many + i, ",1f");
	err = pcipass_policy_parse(&p, many, i, &e);
	ok(err == -EINVAL && e.index == PCIPASS_POLICY_MAX + 1 &&
	   !strcmp(e.reason, "too many entries"), "%s%s entries are refused",
	   "65", "");
	/* Not NUL-terminated: only len counts. */
	err = pcipass_policy_parse(&p, "05:00.0,zz", 7, NULL);
	ok(!err && p.n == 1, "%s%s", "parses only len characters", "");

	return failed ? 1 : 0;
}
