// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcipass attach: give a FILTER's functions to a libvirt domain.
 *
 *	pcipass attach DOMAIN FILTER [config] [live] [connect URI]
 *		[managed yes|no] [guest BUS:SLOT] [function-only]
 *
 * The <hostdev> elements of "pcipass xml", attached one by one with
 * virDomainAttachDeviceFlags(). All or nothing: when one fails, those
 * already attached are detached again. Without "config" or "live" the
 * persistent configuration is changed (virsh's --config), which works for
 * a domain that is shut off. libvirt's own message is passed through.
 *
 * libvirt is loaded with dlopen() when attach runs, not linked: linked, it
 * would bring some 60 libraries (glib, TLS, Kerberos) into every run of
 * the CLI. The function pointers have the types of libvirt's prototypes,
 * as with systemd's DLSYM_ARG(), so the compiler checks every call.
 *
 * JSON: an array with one object per function attached:
 *
 *	{ "bdf": "0000:04:00.0", "domain": "vm1", "managed": false }
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "handoff.h"
#include "output.h"

#define LIBVIRT_SONAME "libvirt.so.0"

static typeof(&virConnectOpen) sym_virConnectOpen;
static typeof(&virConnectClose) sym_virConnectClose;
static typeof(&virDomainLookupByName) sym_virDomainLookupByName;
static typeof(&virDomainLookupByUUIDString) sym_virDomainLookupByUUIDString;
static typeof(&virDomainAttachDeviceFlags) sym_virDomainAttachDeviceFlags;
static typeof(&virDomainDetachDeviceFlags) sym_virDomainDetachDeviceFlags;
static typeof(&virDomainFree) sym_virDomainFree;
static typeof(&virGetLastErrorMessage) sym_virGetLastErrorMessage;
static typeof(&virSetErrorFunc) sym_virSetErrorFunc;

#define LIBVIRT_SYM(name) { (void **)&sym_##name, #name }

static const struct {
	void **sym;
	const char *name;
} libvirt_syms[] = {
	LIBVIRT_SYM(virConnectOpen),
	LIBVIRT_SYM(virConnectClose),
	LIBVIRT_SYM(virDomainLookupByName),
	LIBVIRT_SYM(virDomainLookupByUUIDString),
	LIBVIRT_SYM(virDomainAttachDeviceFlags),
	LIBVIRT_SYM(virDomainDetachDeviceFlags),
	LIBVIRT_SYM(virDomainFree),
	LIBVIRT_SYM(virGetLastErrorMessage),
	LIBVIRT_SYM(virSetErrorFunc),
};

#define N_LIBVIRT_SYMS (sizeof(libvirt_syms) / sizeof(libvirt_syms[0]))

/*
 * Loads libvirt and sets all the sym_ pointers, or says why not and sets
 * none. libvirt stays loaded until exit (libvirt.so.0 is NODELETE anyway).
 */
static int load_libvirt(void)
{
	void *addr[N_LIBVIRT_SYMS];
	const char *err;
	void *dl;
	size_t i;

	dl = dlopen(LIBVIRT_SONAME, RTLD_NOW);
	if (!dl)
		goto fail;
	for (i = 0; i < N_LIBVIRT_SYMS; i++) {
		addr[i] = dlsym(dl, libvirt_syms[i].name);
		if (!addr[i])
			goto fail;
	}
	for (i = 0; i < N_LIBVIRT_SYMS; i++)
		*libvirt_syms[i].sym = addr[i];
	return 0;

fail:
	err = dlerror();
	fprintf(stderr, "pcipass: attach: cannot load %s (install libvirt0): %s\n",
		LIBVIRT_SONAME, err ? err : "symbol not found");
	if (dl)
		dlclose(dl);
	return EXIT_FAILURE;
}

static int attach_usage(FILE *f)
{
	fputs("Usage: pcipass [-j [-p]] attach DOMAIN FILTER [config] [live] [connect URI]\n"
	      "                              [managed yes|no] [guest BUS:SLOT] [function-only]\n"
	      "Attaches the <hostdev> elements \"pcipass xml FILTER\" prints to the\n"
	      "libvirt domain DOMAIN (name or UUID), all or nothing.\n"
	      "config   change the persistent configuration (the default)\n"
	      "live     change the running domain\n"
	      "connect  libvirt URI (default: libvirt's default, as virsh)\n", f);
	return EXIT_SUCCESS;
}

/* libvirt prints every error by default; we print them ourselves. */
static void quiet_errors(void *data, virErrorPtr err)
{
	(void)data;
	(void)err;
}

static const char *last_error(void)
{
	return sym_virGetLastErrorMessage();
}

int do_attach(struct pp *pp, int argc, char **argv)
{
	enum handoff_managed managed = HANDOFF_MANAGED_AUTO;
	struct handoff_guest guest = { 0 };
	struct handoff_set set = { 0 };
	struct pcipass_slot_filter f;
	bool function_only = false;
	const char *name, *filter, *uri = NULL;
	unsigned int flags = 0;
	virConnectPtr conn = NULL;
	virDomainPtr dom = NULL;
	char **xml = NULL;
	size_t k, attached = 0;
	int i, n, ret;

	if (argc > 0 && matches(argv[0], "help") && strlen(argv[0]) > 1)
		return attach_usage(stdout);
	if (argc < 2)
		return pp_usage_error("attach: need DOMAIN and FILTER; try \"pcipass attach help\"");
	name = argv[0];
	filter = argv[1];
	for (i = 2; i < argc; i += n) {
		n = handoff_parse_hostdev_opt("attach", argc - i, argv + i,
					      &managed, &guest, &function_only);
		if (n < 0)
			return -n;
		if (n)
			continue;
		n = 1;
		if (!strcmp(argv[i], "config")) {
			flags |= VIR_DOMAIN_AFFECT_CONFIG;
		} else if (!strcmp(argv[i], "live")) {
			flags |= VIR_DOMAIN_AFFECT_LIVE;
		} else if (!strcmp(argv[i], "connect")) {
			if (i + 1 >= argc)
				return pp_usage_error("attach: connect needs a libvirt URI");
			uri = argv[i + 1];
			n = 2;
		} else {
			return pp_usage_error("attach: unexpected argument \"%s\"; try \"pcipass attach help\"",
					      argv[i]);
		}
	}
	if (!flags)
		flags = VIR_DOMAIN_AFFECT_CONFIG;
	/* A bad FILTER is a usage error, with or without libvirt. */
	ret = pp_parse_slot_filter(filter, &f);
	if (ret)
		return ret;

	ret = load_libvirt();
	if (ret)
		return ret;

	ret = handoff_select(pp, "attach", filter, function_only, &set);
	if (ret)
		return ret;
	ret = handoff_check_guest("attach", &set, &guest);
	if (ret)
		goto out;

	xml = calloc(set.n, sizeof(*xml));
	if (!xml)
		goto nomem;
	for (k = 0; k < set.n; k++) {
		xmlNodePtr node = handoff_hostdev_xml(&set, k, managed, &guest);

		xml[k] = node ? handoff_xml_string(node) : NULL;
		xmlFreeNode(node);
		if (!xml[k])
			goto nomem;
	}

	sym_virSetErrorFunc(NULL, quiet_errors);
	conn = sym_virConnectOpen(uri);
	if (!conn) {
		fprintf(stderr, "pcipass: attach: connect %s: %s\n",
			uri ? uri : "(default)", last_error());
		ret = EXIT_FAILURE;
		goto out;
	}
	dom = sym_virDomainLookupByName(conn, name);
	if (!dom) {
		/* Keep the message of the lookup by name, what most mean. */
		char *msg = strdup(last_error());

		if (strlen(name) == VIR_UUID_STRING_BUFLEN - 1)
			dom = sym_virDomainLookupByUUIDString(conn, name);
		if (!dom)
			fprintf(stderr, "pcipass: attach %s: %s\n", name,
				msg ? msg : last_error());
		free(msg);
		if (!dom) {
			ret = EXIT_FAILURE;
			goto out;
		}
	}

	for (k = 0; k < set.n; k++) {
		if (sym_virDomainAttachDeviceFlags(dom, xml[k], flags) < 0) {
			fprintf(stderr, "pcipass: attach %s %s: %s\n", name,
				pcipass_dev_get_bdf(set.devs[k]), last_error());
			break;
		}
		attached++;
	}
	if (attached < set.n) {
		/* All or nothing: take back what was attached. */
		while (attached--)
			if (sym_virDomainDetachDeviceFlags(dom, xml[attached],
							   flags) < 0)
				fprintf(stderr, "pcipass: attach %s: undo %s: %s\n",
					name,
					pcipass_dev_get_bdf(set.devs[attached]),
					last_error());
		ret = EXIT_FAILURE;
		goto out;
	}

	output_start(pp->json, pp->pretty);
	for (k = 0; k < set.n; k++) {
		bool yes = handoff_managed_yes(set.devs[k], managed);

		open_json_object(NULL);
		print_text("attached ");
		print_string(PRINT_ANY, "bdf", "%s", pcipass_dev_get_bdf(set.devs[k]));
		print_string(PRINT_ANY, "domain", " to %s", name);
		print_bool(PRINT_ANY, "managed", " (managed %s)\n", yes);
		close_json_object();
	}
	ret = pp_output_end();
	goto out;

nomem:
	fprintf(stderr, "pcipass: attach: out of memory\n");
	ret = EXIT_FAILURE;
out:
	if (xml)
		for (k = 0; k < set.n; k++)
			free(xml[k]);
	free(xml);
	if (dom)
		sym_virDomainFree(dom);
	if (conn)
		sym_virConnectClose(conn);
	handoff_set_free(&set);
	return ret;
}
