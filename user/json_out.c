// SPDX-License-Identifier: GPL-2.0
#include "json_out.h"

bool json_add(struct json_object *obj, const char *key, struct json_object *val)
{
	if (!obj || !val || json_object_object_add(obj, key, val)) {
		json_object_put(val);
		return false;
	}
	return true;
}

bool json_append(struct json_object *array, struct json_object *val)
{
	if (!array || !val || json_object_array_add(array, val)) {
		json_object_put(val);
		return false;
	}
	return true;
}

bool json_add_u64(struct json_object *obj, const char *key, uint64_t value)
{
	return json_add(obj, key, json_object_new_uint64(value));
}

bool json_add_null(struct json_object *obj, const char *key)
{
	return obj && !json_object_object_add(obj, key, NULL);
}

void json_doc_print(FILE *out, struct json_object *doc)
{
	fprintf(out, "%s\n",
		json_object_to_json_string_ext(
			doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
				     JSON_C_TO_STRING_NOSLASHESCAPE));
}
