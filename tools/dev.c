// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcipass dev: PCI functions.
 *
 * JSON device objects are a stable interface. Keys are the attribute
 * names of the netlink spec (kmod/pcipass.yaml):
 *
 *	bdf			"0000:05:00.0"
 *	source			"netlink" or "sysfs", top-level objects only
 *				(dev show); in a group, the group has it
 *	vendor, device,
 *	subsystem-vendor,
 *	subsystem-device	4 lower-case hex digits, no "0x": "144d"
 *	class			6 hex digits: "010802"
 *	revision		2 hex digits: "a1"
 *	group			number, or null without an IOMMU group
 *	driver			string, or null when no driver is bound
 *	bridge, multifunction,
 *	acs-isolated,
 *	acs-path-isolated	true / false
 *	vendor-name,
 *	device-name,
 *	class-name		from the PCI ID database, null when unknown
 *
 * and, only when the kernel reports them:
 *
 *	driver-override, upstream, physfn	strings
 *	pcie-type		the spec's enum name: "endpoint", "root-port", ...
 *	sriov-total-vfs,
 *	sriov-num-vfs,
 *	numa-node		numbers
 *	acs-cap, acs-ctrl	4 hex digits
 *	claim-origin		why it is held for vfio-pci, the spec's enum
 *				name: "none", "policy", "runtime", "external"
 *	prev-driver		the driver a release returns it to
 *
 * The text output is for people and may change.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "pcipass-cli.h"

#define NAME_MAX_LEN 256

enum dev_field {
	F_BDF,
	F_GROUP,
	F_CLASS,
	F_VENDOR,
	F_DEVICE,
	F_SUBSYSTEM_VENDOR,
	F_SUBSYSTEM_DEVICE,
	F_REVISION,
	F_DRIVER,
	F_DRIVER_OVERRIDE,
	F_BRIDGE,
	F_PCIE_TYPE,
	F_UPSTREAM,
	F_SRIOV_TOTAL_VFS,
	F_SRIOV_NUM_VFS,
	F_PHYSFN,
	F_NUMA_NODE,
	F_ACS_CAP,
	F_ACS_CTRL,
	F_ACS_ISOLATED,
	F_ACS_PATH_ISOLATED,
	F_MULTIFUNCTION,
	F_VENDOR_NAME,
	F_DEVICE_NAME,
	F_CLASS_NAME,
	F_CLAIM_ORIGIN,
	F_PREV_DRIVER,
	F_JSON_MAX,
	/* Text only: not in the JSON object. */
	F_TEXT_NAME = F_JSON_MAX,
	F_TEXT_SUBSYSTEM,
	/* fmt applied to the claim origin, only when claimed. */
	F_TEXT_CLAIM_MARK,
	F_TEXT_NEWLINE,
	F_END,
};

struct dev_text {
	enum dev_field field;
	const char *fmt;
};

/* One function per table row. */
static const struct dev_text layout_row[] = {
	{ F_BDF, "%-12s  " },
	{ F_GROUP, "%5s  " },
	{ F_CLASS, "%-6s  " },
	{ F_VENDOR, "%s:" },
	{ F_DEVICE, "%-8s  " },
	{ F_DRIVER, "%-14s  " },
	{ F_TEXT_NAME, "%s\n" },
	{ F_END, NULL },
};

/* One function per line under its group's heading. */
static const struct dev_text layout_member[] = {
	{ F_BDF, "\t%s " },
	{ F_VENDOR, "[%s:" },
	{ F_DEVICE, "%s] " },
	{ F_TEXT_NAME, "%s  " },
	{ F_DRIVER, "%s" },
	{ F_TEXT_CLAIM_MARK, " (claimed: %s)" },
	{ F_TEXT_NEWLINE, NULL },
	{ F_END, NULL },
};

/* All attributes, lspci -vv style. */
static const struct dev_text layout_details[] = {
	{ F_BDF, "%s " },
	{ F_CLASS_NAME, "%s" },
	{ F_CLASS, " [%s]: " },
	{ F_TEXT_NAME, "%s" },
	{ F_VENDOR, " [%s:" },
	{ F_DEVICE, "%s]" },
	{ F_REVISION, " (rev %s)\n" },
	{ F_TEXT_SUBSYSTEM, "\tSubsystem: %s" },
	{ F_SUBSYSTEM_VENDOR, " [%s:" },
	{ F_SUBSYSTEM_DEVICE, "%s]\n" },
	{ F_GROUP, "\tIOMMU group: %s\n" },
	{ F_DRIVER, "\tDriver: %s\n" },
	{ F_DRIVER_OVERRIDE, "\tDriver override: %s\n" },
	{ F_CLAIM_ORIGIN, "\tClaimed: %s\n" },
	{ F_PREV_DRIVER, "\tPrevious driver: %s\n" },
	{ F_PCIE_TYPE, "\tPCIe type: %s\n" },
	{ F_BRIDGE, "\tBridge: %s\n" },
	{ F_MULTIFUNCTION, "\tMultifunction: %s\n" },
	{ F_UPSTREAM, "\tUpstream bridge: %s\n" },
	{ F_SRIOV_TOTAL_VFS, "\tSR-IOV: %s VFs supported" },
	{ F_SRIOV_NUM_VFS, ", %s enabled\n" },
	{ F_PHYSFN, "\tPhysical function: %s\n" },
	{ F_NUMA_NODE, "\tNUMA node: %s\n" },
	{ F_ACS_CAP, "\tACSCap:\t%s\n" },
	{ F_ACS_CTRL, "\tACSCtl:\t%s\n" },
	{ F_ACS_ISOLATED, "\tACS isolated: %s\n" },
	{ F_ACS_PATH_ISOLATED, "\tACS path isolated: %s\n" },
	{ F_END, NULL },
};

struct dev_names {
	bool has_vendor, has_device, has_class;
	char vendor[NAME_MAX_LEN];
	char device[NAME_MAX_LEN];
	char class_name[NAME_MAX_LEN];
	char text[2 * NAME_MAX_LEN + 2];
};

static void lookup_names(struct pp *pp, const struct pcipass_dev *dev,
			 struct dev_names *n)
{
	uint32_t cls = pcipass_dev_get_class(dev);

	n->has_vendor = !pcipass_dev_name(pp->ctx, dev, PCIPASS_NAME_VENDOR,
					  n->vendor, sizeof(n->vendor));
	n->has_device = !pcipass_dev_name(pp->ctx, dev, PCIPASS_NAME_DEVICE,
					  n->device, sizeof(n->device));
	n->has_class = !pcipass_dev_name(pp->ctx, dev, PCIPASS_NAME_CLASS,
					 n->class_name, sizeof(n->class_name));

	/* As lspci: "NVIDIA Corporation Device 1b39" for an unknown device. */
	if (!n->has_vendor)
		snprintf(n->vendor, sizeof(n->vendor), "Vendor %04x",
			 pcipass_dev_get_vendor(dev));
	if (!n->has_device)
		snprintf(n->device, sizeof(n->device), "Device %04x",
			 pcipass_dev_get_device(dev));
	if (!n->has_class)
		snprintf(n->class_name, sizeof(n->class_name), "Class %04x",
			 cls >> 8);
	snprintf(n->text, sizeof(n->text), "%s %s", n->vendor, n->device);
}

/* "SV+ TB- RR+ CR+ UF+ EC- DT-" after the register's hex value. */
static void acs_decode(uint16_t reg, char *buf, size_t len)
{
	static const char *const bits[] = {
		"SV", "TB", "RR", "CR", "UF", "EC", "DT",
	};
	size_t i;
	int n;

	n = snprintf(buf, len, "%04x ", reg);
	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if (n < 0 || (size_t)n >= len)
			return;
		n += snprintf(buf + n, len - (size_t)n, " %s%c", bits[i],
			      reg & (1u << i) ? '+' : '-');
	}
}

static void print_opt_string(enum output_type t, const char *key,
			     const char *fmt, const char *s)
{
	if (s)
		print_string(t, key, fmt, s);
}

/* Exactly one print call per field, whatever the output. */
/*
 * As lspci, the text shows no Subsystem line for a function without one:
 * bridges have no subsystem ID registers, and they read 0000 (JSON keeps
 * the values).
 */
static bool has_subsystem(const struct pcipass_dev *dev)
{
	uint16_t sv = pcipass_dev_get_subsystem_vendor(dev);

	return sv && sv != 0xffff;
}

static void print_field(struct pp *pp, const struct pcipass_dev *dev,
			const struct dev_names *n, enum dev_field f,
			const char *fmt)
{
	enum output_type t = fmt ? PRINT_ANY : PRINT_JSON;
	char buf[64];

	(void)pp;

	switch (f) {
	case F_BDF:
		print_string(t, "bdf", fmt, pcipass_dev_get_bdf(dev));
		break;
	case F_GROUP:
		if (pcipass_dev_has_group(dev))
			print_uint(t, "group", fmt,
				   pcipass_dev_get_group_id(dev));
		else
			print_null(t, "group", fmt, "-");
		break;
	case F_CLASS:
		print_hex(t, "class", fmt, 6, pcipass_dev_get_class(dev));
		break;
	case F_VENDOR:
		print_hex(t, "vendor", fmt, 4, pcipass_dev_get_vendor(dev));
		break;
	case F_DEVICE:
		print_hex(t, "device", fmt, 4, pcipass_dev_get_device(dev));
		break;
	case F_SUBSYSTEM_VENDOR:
		print_hex(t, "subsystem-vendor", has_subsystem(dev) ? fmt : NULL,
			  4, pcipass_dev_get_subsystem_vendor(dev));
		break;
	case F_SUBSYSTEM_DEVICE:
		print_hex(t, "subsystem-device", has_subsystem(dev) ? fmt : NULL,
			  4, pcipass_dev_get_subsystem_device(dev));
		break;
	case F_REVISION:
		print_hex(t, "revision", fmt, 2, pcipass_dev_get_revision(dev));
		break;
	case F_DRIVER:
		print_string(t, "driver", fmt, pcipass_dev_get_driver(dev));
		break;
	case F_DRIVER_OVERRIDE:
		/*
		 * Not known: the module would have waited on a driver's probe
		 * or remove for it (pcipass_dev_is_driver_override_unknown()).
		 */
		if (pcipass_dev_is_driver_override_unknown(dev))
			print_value(t, "driver-override-unknown", fmt,
				    output_is_json() ?
				    json_object_new_boolean(true) : NULL,
				    "unknown (a driver's probe or remove holds the device)");
		else
			print_opt_string(t, "driver-override", fmt,
					 pcipass_dev_get_driver_override(dev));
		break;
	case F_BRIDGE:
		print_bool(t, "bridge", fmt, pcipass_dev_is_bridge(dev));
		break;
	case F_PCIE_TYPE:
		if (pcipass_dev_has_pcie_type(dev)) {
			int type = pcipass_dev_get_pcie_type(dev);
			const char *name = pcipass_pcie_type_name(type);

			if (!name) {
				snprintf(buf, sizeof(buf), "%d", type);
				name = buf;
			}
			print_string(t, "pcie-type", fmt, name);
		}
		break;
	case F_UPSTREAM:
		print_opt_string(t, "upstream", fmt,
				 pcipass_dev_get_upstream(dev));
		break;
	case F_SRIOV_TOTAL_VFS:
		if (pcipass_dev_is_sriov_pf(dev))
			print_uint(t, "sriov-total-vfs", fmt,
				   pcipass_dev_get_sriov_total_vfs(dev));
		break;
	case F_SRIOV_NUM_VFS:
		if (pcipass_dev_is_sriov_pf(dev))
			print_uint(t, "sriov-num-vfs", fmt,
				   pcipass_dev_get_sriov_num_vfs(dev));
		break;
	case F_PHYSFN:
		print_opt_string(t, "physfn", fmt, pcipass_dev_get_physfn(dev));
		break;
	case F_NUMA_NODE:
		if (pcipass_dev_has_numa_node(dev))
			print_uint(t, "numa-node", fmt,
				   (unsigned int)pcipass_dev_get_numa_node(dev));
		break;
	case F_ACS_CAP:
	case F_ACS_CTRL: {
		uint16_t reg = f == F_ACS_CAP ? pcipass_dev_get_acs_cap(dev) :
						pcipass_dev_get_acs_ctrl(dev);

		if (!pcipass_dev_has_acs(dev))
			break;
		snprintf(buf, sizeof(buf), "%04x", reg);
		if (!output_is_json())
			acs_decode(reg, buf, sizeof(buf));
		print_value(t, f == F_ACS_CAP ? "acs-cap" : "acs-ctrl", fmt,
			    output_is_json() ? json_object_new_string(buf) : NULL,
			    buf);
		break;
	}
	case F_ACS_ISOLATED:
		print_bool(t, "acs-isolated", fmt,
			   pcipass_dev_is_acs_isolated(dev));
		break;
	case F_ACS_PATH_ISOLATED:
		print_bool(t, "acs-path-isolated", fmt,
			   pcipass_dev_is_acs_path_isolated(dev));
		break;
	case F_MULTIFUNCTION:
		print_bool(t, "multifunction", fmt,
			   pcipass_dev_is_multifunction(dev));
		break;
	case F_VENDOR_NAME:
		print_value(t, "vendor-name", fmt, n->has_vendor && output_is_json() ?
			    json_object_new_string(n->vendor) : NULL, n->vendor);
		break;
	case F_DEVICE_NAME:
		print_value(t, "device-name", fmt, n->has_device && output_is_json() ?
			    json_object_new_string(n->device) : NULL, n->device);
		break;
	case F_CLASS_NAME:
		print_value(t, "class-name", fmt, n->has_class && output_is_json() ?
			    json_object_new_string(n->class_name) : NULL,
			    n->class_name);
		break;
	case F_CLAIM_ORIGIN:
		if (pcipass_dev_has_claim_origin(dev)) {
			int origin = pcipass_dev_get_claim_origin(dev);
			const char *name = pcipass_claim_origin_name(origin);

			if (!name) {
				snprintf(buf, sizeof(buf), "%d", origin);
				name = buf;
			}
			print_string(t, "claim-origin", fmt, name);
		}
		break;
	case F_PREV_DRIVER:
		print_opt_string(t, "prev-driver", fmt,
				 pcipass_dev_get_prev_driver(dev));
		break;
	case F_TEXT_CLAIM_MARK:
		if (fmt && pcipass_dev_get_claim_origin(dev) > 0) {
			const char *name = pcipass_claim_origin_name(
				pcipass_dev_get_claim_origin(dev));

			print_text(fmt, name ? name : "?");
		}
		break;
	case F_TEXT_NEWLINE:
		print_text("\n");
		break;
	case F_TEXT_NAME:
		if (fmt)
			print_text(fmt, n->text);
		break;
	case F_TEXT_SUBSYSTEM:
		if (fmt) {
			char sub[2 * NAME_MAX_LEN];

			char vendor[NAME_MAX_LEN];
			uint16_t sv = pcipass_dev_get_subsystem_vendor(dev);

			if (!has_subsystem(dev))
				break;
			if (!pcipass_dev_name(pp->ctx, dev, PCIPASS_NAME_SUBSYSTEM,
					      sub, sizeof(sub))) {
				print_text(fmt, sub);
				break;
			}
			/* As lspci: the subsystem vendor's name, if known. */
			if (pcipass_name_lookup(pp->ctx, PCIPASS_NAME_VENDOR, sv,
						0, 0, 0, 0, vendor,
						sizeof(vendor)))
				snprintf(vendor, sizeof(vendor), "Vendor %04x",
					 sv);
			snprintf(sub, sizeof(sub), "%s Device %04x", vendor,
				 pcipass_dev_get_subsystem_device(dev));
			print_text(fmt, sub);
		}
		break;
	case F_END:
		break;
	}
}

void dev_print_header(struct pp *pp)
{
	if (pp->json || pp->details)
		return;
	print_text("%-12s  %5s  %-6s  %-13s  %-14s  %s\n", "BDF", "GROUP",
		   "CLASS", "VENDOR:DEVICE", "DRIVER", "NAME");
}

void dev_print(struct pp *pp, const struct pcipass_dev *dev,
	       enum dev_layout layout)
{
	bool done[F_JSON_MAX] = { false };
	const struct dev_text *l;
	struct dev_names names;
	int f;

	switch (layout) {
	case DEV_LAYOUT_MEMBER:
		l = layout_member;
		break;
	case DEV_LAYOUT_DETAILS:
		l = layout_details;
		break;
	default:
		l = layout_row;
		break;
	}

	lookup_names(pp, dev, &names);
	open_json_object(NULL);
	/* Top-level objects only: in a group, the group says it. */
	if (pp->dev_source)
		print_string(PRINT_JSON, "source", NULL, pp->dev_source);

	for (; l->field != F_END; l++) {
		print_field(pp, dev, &names, l->field, l->fmt);
		if (l->field < F_JSON_MAX)
			done[l->field] = true;
	}
	/* Whatever this layout leaves out of the text still goes to JSON. */
	for (f = 0; f < F_JSON_MAX; f++)
		if (!done[f])
			print_field(pp, dev, &names, (enum dev_field)f, NULL);

	close_json_object();
	if (layout == DEV_LAYOUT_DETAILS)
		print_text("\n");
}

static int dev_show(struct pp *pp, int argc, char **argv)
{
	struct pcipass_slot_filter filter;
	enum dev_layout layout = pp->details ? DEV_LAYOUT_DETAILS :
					       DEV_LAYOUT_ROW;
	struct pcipass_snapshot *snap;
	struct pcipass_dev *dev;
	int err;

	err = pp_parse_optional_filter(argc, argv, "dev", &filter);
	if (err)
		return err;

	if (pcipass_slot_filter_is_exact(&filter)) {
		char bdf[PCIPASS_BDF_MAX_STRLEN + 1];
		char what[sizeof(bdf) + 8];

		snprintf(bdf, sizeof(bdf), "%04x:%02x:%02x.%x", filter.domain,
			 filter.bus, filter.slot, filter.func);
		err = pcipass_dev_get(pp->ctx, bdf, &dev);
		if (err == -ENODEV)
			return pp_no_match("dev show", argv[0]);
		if (err < 0) {
			snprintf(what, sizeof(what), "dev show %s", argv[0]);
			return pp_fail(pp, what, err);
		}
		output_start(pp->json, pp->pretty);
		pp->dev_source = pp_print_source_header(pp,
					pcipass_dev_has_generation(dev) ?
					PCIPASS_SOURCE_NETLINK :
					PCIPASS_SOURCE_SYSFS);
		dev_print_header(pp);
		dev_print(pp, dev, layout);
		pp->dev_source = NULL;
		pcipass_dev_unref(dev);
		return pp_output_end();
	}

	err = pcipass_snapshot_new(pp->ctx, &snap);
	if (err < 0)
		return pp_fail(pp, "dev show", err);
	if (argc && !pp_any_match(snap, &filter)) {
		pcipass_snapshot_unref(snap);
		return pp_no_match("dev show", argv[0]);
	}

	output_start(pp->json, pp->pretty);
	pp->dev_source = pp_print_source_header(pp,
					pcipass_snapshot_get_source(snap));
	dev_print_header(pp);
	pcipass_snapshot_for_each_dev(dev, snap) {
		if (!pcipass_slot_filter_match(&filter,
					       pcipass_dev_get_domain(dev),
					       pcipass_dev_get_bus(dev),
					       pcipass_dev_get_devfn(dev)))
			continue;
		dev_print(pp, dev, layout);
	}
	pp->dev_source = NULL;
	pcipass_snapshot_unref(snap);
	return pp_output_end();
}

static int dev_help(struct pp *pp, int argc, char **argv)
{
	(void)pp;
	(void)argc;
	(void)argv;
	fputs("Usage: pcipass [-j [-p]] [-d] dev show [FILTER]\n"
	      "FILTER := [[[domain]:]bus:]slot[.func], hexadecimal, * or empty\n"
	      "          for any; as lspci -s. -d shows every attribute.\n",
	      stdout);
	return EXIT_SUCCESS;
}

static const struct pp_cmd dev_cmds[] = {
	{ "show", dev_show },
	{ "list", dev_show },
	{ "help", dev_help },
	{ NULL, NULL },
};

int do_dev(struct pp *pp, int argc, char **argv)
{
	return pp_dispatch(pp, "dev", dev_cmds, argc, argv);
}
