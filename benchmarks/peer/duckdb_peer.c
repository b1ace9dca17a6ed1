/* SPDX-License-Identifier: MIT
 * The DuckDB peer of benchmarks/vs_duckdb.sh: what a billing engineer would run instead of
 * meterkit to get each customer's January usage from a Stripe bulk upload CSV. It loads the file
 * into a table (read_csv), sums the value per customer, and writes one JSON line per customer.
 * Built by the script against DuckDB's C API (duckdb.h and libduckdb.so from npm); never part of
 * the library or its tests.
 *
 *   duckdb_peer EVENTS.csv OUT.jsonl
 */
#include <stdio.h>
#include <stdlib.h>

#include "duckdb.h"

static int fail(const char* what, duckdb_result* r) {
  fprintf(stderr, "duckdb_peer: %s: %s\n", what, r ? duckdb_result_error(r) : "failed");
  return 1;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: duckdb_peer EVENTS.csv OUT.jsonl\n");
    return 2;
  }
  duckdb_database db;
  duckdb_connection con;
  if (duckdb_open(NULL, &db) == DuckDBError) return fail("open", NULL);
  if (duckdb_connect(db, &con) == DuckDBError) return fail("connect", NULL);
  char sql[4096];
  snprintf(sql, sizeof sql, "CREATE TABLE events AS SELECT * FROM read_csv('%s', header = true)", argv[1]);
  duckdb_result r;
  if (duckdb_query(con, sql, &r) == DuckDBError) return fail("load", &r);
  duckdb_destroy_result(&r);
  if (duckdb_query(con,
                   "SELECT payload_stripe_customer_id, sum(payload_value)::BIGINT FROM events "
                   "WHERE timestamp >= 1735689600 AND timestamp < 1738368000 "
                   "GROUP BY payload_stripe_customer_id ORDER BY payload_stripe_customer_id",
                   &r) == DuckDBError)
    return fail("query", &r);
  FILE* out = fopen(argv[2], "w");
  if (!out) return fail("output", NULL);
  const idx_t rows = duckdb_row_count(&r);
  for (idx_t i = 0; i < rows; ++i) {
    char* customer = duckdb_value_varchar(&r, 0, i);
    fprintf(out, "{\"customer\": \"%s\", \"quantity\": %lld}\n", customer, (long long)duckdb_value_int64(&r, 1, i));
    duckdb_free(customer);
  }
  fclose(out);
  duckdb_destroy_result(&r);
  duckdb_disconnect(&con);
  duckdb_close(&db);
  return 0;
}
