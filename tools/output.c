// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Text and JSON output from the same calls (json-c backend).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "output.h"

#define MAX_DEPTH 16

static struct {
	bool json;
	bool pretty;
	int depth;
	struct json_object *stack[MAX_DEPTH];
} out;

void output_start(bool json, bool pretty)
{
	out.json = json;
	out.pretty = pretty;
	out.depth = 0;
	if (json)
		out.stack[out.depth++] = json_object_new_array();
}

void output_start_object(bool json, bool pretty)
{
	out.json = json;
	out.pretty = pretty;
	out.depth = 0;
	if (json)
		out.stack[out.depth++] = json_object_new_object();
}

bool output_is_json(void)
{
	return out.json;
}

int output_end(void)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;
	int err = 0;

	if (out.json && out.depth) {
		flags |= out.pretty ? JSON_C_TO_STRING_PRETTY |
				      JSON_C_TO_STRING_SPACED :
				      JSON_C_TO_STRING_PLAIN;
		fputs(json_object_to_json_string_ext(out.stack[0], flags),
		      stdout);
		fputc('\n', stdout);
		json_object_put(out.stack[0]);
		out.depth = 0;
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		err = errno ? -errno : -EIO;
	return err;
}

/* Add @jv to the innermost container: under @key in an object. */
static void json_add(const char *key, struct json_object *jv)
{
	struct json_object *top = out.stack[out.depth - 1];

	if (json_object_is_type(top, json_type_array))
		json_object_array_add(top, jv);
	else
		json_object_object_add(top, key, jv);
}

static void json_push(const char *key, struct json_object *jv)
{
	if (!out.json)
		return;
	if (out.depth == MAX_DEPTH) {
		/* A programming error; drop rather than corrupt the stack. */
		json_object_put(jv);
		return;
	}
	json_add(key, jv);
	out.stack[out.depth++] = jv;
}

void open_json_object(const char *key)
{
	if (out.json)
		json_push(key, json_object_new_object());
}

void open_json_array(const char *key)
{
	if (out.json)
		json_push(key, json_object_new_array());
}

void close_json_object(void)
{
	if (out.json && out.depth > 1)
		out.depth--;
}

void close_json_array(void)
{
	close_json_object();
}

void print_value(enum output_type t, const char *key, const char *fmt,
		 struct json_object *jv, const char *text)
{
	if (out.json) {
		if (t & PRINT_JSON)
			json_add(key, jv);
		else
			json_object_put(jv);
		return;
	}
	json_object_put(jv);
	if ((t & PRINT_FP) && fmt)
		printf(fmt, text);
}

void print_string(enum output_type t, const char *key, const char *fmt,
		  const char *s)
{
	print_value(t, key, fmt,
		    s && out.json ? json_object_new_string(s) : NULL,
		    s ? s : "-");
}

void print_uint(enum output_type t, const char *key, const char *fmt,
		uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	print_value(t, key, fmt, out.json ? json_object_new_uint64(v) : NULL,
		    buf);
}

void print_hex(enum output_type t, const char *key, const char *fmt,
	       unsigned int width, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%0*" PRIx64, (int)width, v);
	print_value(t, key, fmt, out.json ? json_object_new_string(buf) : NULL,
		    buf);
}

void print_bool(enum output_type t, const char *key, const char *fmt, bool v)
{
	print_value(t, key, fmt, out.json ? json_object_new_boolean(v) : NULL,
		    v ? "yes" : "no");
}

void print_flag(enum output_type t, const char *key, const char *if_true,
		const char *if_false, bool v)
{
	print_value(t, key, "%s", out.json ? json_object_new_boolean(v) : NULL,
		    v ? if_true : if_false);
}

void print_null(enum output_type t, const char *key, const char *fmt,
		const char *text)
{
	print_value(t, key, fmt, NULL, text);
}

void print_text(const char *fmt, ...)
{
	va_list args;

	if (out.json)
		return;
	va_start(args, fmt);
	vprintf(fmt, args);
	va_end(args);
}
