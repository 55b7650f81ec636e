/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Text and JSON output from the same calls, after iproute2's json_print.h:
 * every field is printed by exactly one call, which writes the text form
 * (fmt applied to the value's text, fmt has one %s) when printing text and
 * adds the key to the current JSON object (or array) when printing JSON.
 * A NULL fmt means the field has no text form in this layout.
 */
#ifndef PCIPASS_OUTPUT_H
#define PCIPASS_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>

#include <json.h>

enum output_type {
	PRINT_FP = 1,
	PRINT_JSON = 2,
	PRINT_ANY = PRINT_FP | PRINT_JSON,
};

/* Start output; in JSON mode the top level is an array. */
void output_start(bool json, bool pretty);
/* Start output whose JSON top level is one object (a stream of lines). */
void output_start_object(bool json, bool pretty);
/* Write the JSON document, free everything. Returns 0 or -errno. */
int output_end(void);
bool output_is_json(void);

void open_json_object(const char *key);
void close_json_object(void);
void open_json_array(const char *key);
void close_json_array(void);

/* Consumes @jv; a NULL @jv is JSON null. */
void print_value(enum output_type t, const char *key, const char *fmt,
		 struct json_object *jv, const char *text);

/* NULL @s: JSON null, text "-". */
void print_string(enum output_type t, const char *key, const char *fmt,
		  const char *s);
void print_uint(enum output_type t, const char *key, const char *fmt,
		uint64_t v);
/* JSON: a string of @width lower-case hex digits, no "0x". */
void print_hex(enum output_type t, const char *key, const char *fmt,
	       unsigned int width, uint64_t v);
/* Text "yes" / "no". */
void print_bool(enum output_type t, const char *key, const char *fmt, bool v);
/* Text: @if_true or @if_false as they are. */
void print_flag(enum output_type t, const char *key, const char *if_true,
		const char *if_false, bool v);
void print_null(enum output_type t, const char *key, const char *fmt,
		const char *text);
/* Text only. */
void print_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* PCIPASS_OUTPUT_H */
