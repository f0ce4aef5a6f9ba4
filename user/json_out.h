/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_JSON_OUT_H
#define VMEXIT_STAT_JSON_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

/*
 * Building JSON documents.  A failed allocation anywhere makes the whole
 * document fail, so these take ownership of val (freed on failure) and
 * say whether it was added; callers AND the results and check once.
 */
bool json_add(struct json_object *obj, const char *key,
	      struct json_object *val);
bool json_append(struct json_object *array, struct json_object *val);
bool json_add_u64(struct json_object *obj, const char *key, uint64_t value);
/* key: null, for what is not known (not 0) */
bool json_add_null(struct json_object *obj, const char *key);

/*
 * Prints a JSON document the way every command does: indented, with a
 * space after colons, one document per run.
 */
void json_doc_print(FILE *out, struct json_object *doc);

#endif /* VMEXIT_STAT_JSON_OUT_H */
