// Package gen generates the eight TPC-H tables at any scale factor, in
// pure Go and in parallel, following the data rules of the TPC-H
// specification (section 4.2): cardinalities per scale factor, key
// ranges (with the sparse order keys: of each 32 keys only the first 8
// are used), value distributions and formulas (p_retailprice,
// ps_suppkey, l_extendedprice, o_totalprice and o_orderstatus from the
// order's lines, dates and the flags derived from them, phone numbers
// from nation keys), the word lists of dbgen's dists.dss, the comment
// grammar of 4.2.2.10, the Customer Complaints/Recommends supplier
// comments of Q16 and the customers (key divisible by 3) who never order.
//
// Output is deterministic: every row is drawn from its own random stream
// (splitmix64 seeded by table and row index), so the same scale factor,
// table and partition always give the same rows, and the same bytes,
// whatever the parallelism or the machine. The values are not those of
// dbgen (its generator is not reproduced); the distributions are, so
// the 22 queries select, join and aggregate the same way. Known
// differences from dbgen: the comment text pool is 1 MiB instead of
// 300 MB (see textPoolSize); columns are declared non-nullable; and at the
// few small scale factors where the ps_suppkey formula repeats a supplier
// for a part (see partSupplier), the repeat is replaced by the next key.
//
// Generate writes Parquet, Arrow IPC or CSV files, P files per table
// (DIR/<table>/part-NNNNN.<ext>), and a catalog (DIR/catalog.json) in the
// layout store.LoadCatalogFile reads. Records streams a partition's
// record batches in memory instead.
//
// The package depends on Arrow only: it must not import the engine's
// packages (store, exec, plan, ...), so that any of them, and the CLI,
// can use it.
package gen
