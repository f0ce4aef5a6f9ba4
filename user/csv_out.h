/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_CSV_OUT_H
#define VMEXIT_STAT_CSV_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Rows of RFC 4180 CSV, as spreadsheets and Python's csv module read
 * them: a field with a comma, a double quote or a line break is quoted,
 * its quotes doubled.  Lines end in "\n" alone, as Unix tools expect.
 */
struct csv_row {
	FILE *out;
	bool started; /* a field is out: the next one needs a comma */
};

void csv_str(struct csv_row *row, const char *value);
void csv_u64(struct csv_row *row, uint64_t value);
void csv_s64(struct csv_row *row, int64_t value);
/* With decimals digits after the point; not a number: empty. */
void csv_double(struct csv_row *row, double value, int decimals);
/* An empty field: no value for this row. */
void csv_empty(struct csv_row *row);
/* Ends the row; the next field starts a new one. */
void csv_end(struct csv_row *row);

/* A header or other row of names, NULL-terminated. */
void csv_names(FILE *out, const char *const *names);

#endif /* VMEXIT_STAT_CSV_OUT_H */
