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

void json_doc_print(FILE *out, struct json_object *doc)
{
	fprintf(out, "%s\n",
		json_object_to_json_string_ext(
			doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
				     JSON_C_TO_STRING_NOSLASHESCAPE));
}
