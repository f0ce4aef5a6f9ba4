// SPDX-License-Identifier: GPL-2.0
/*
 * RFC 4180 CSV fields and rows.
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "csv_out.h"

static void separate(struct csv_row *row)
{
	if (row->started)
		fputc(',', row->out);
	row->started = true;
}

void csv_str(struct csv_row *row, const char *value)
{
	const char *c;

	separate(row);
	if (!value[strcspn(value, ",\"\r\n")]) {
		fputs(value, row->out);
		return;
	}
	fputc('"', row->out);
	for (c = value; *c; c++) {
		if (*c == '"')
			fputc('"', row->out);
		fputc(*c, row->out);
	}
	fputc('"', row->out);
}

void csv_u64(struct csv_row *row, uint64_t value)
{
	separate(row);
	fprintf(row->out, "%" PRIu64, value);
}

void csv_s64(struct csv_row *row, int64_t value)
{
	separate(row);
	fprintf(row->out, "%" PRId64, value);
}

void csv_double(struct csv_row *row, double value, int decimals)
{
	separate(row);
	if (isfinite(value))
		fprintf(row->out, "%.*f", decimals, value);
}

void csv_empty(struct csv_row *row)
{
	separate(row);
}

void csv_end(struct csv_row *row)
{
	fputc('\n', row->out);
	row->started = false;
}

void csv_names(FILE *out, const char *const *names)
{
	struct csv_row row = { .out = out };

	while (*names)
		csv_str(&row, *names++);
	csv_end(&row);
}
