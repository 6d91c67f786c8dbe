// Command duckbench runs, in DuckDB, the equivalents of the rxspark data
// operations timed by integration/bench/dataops.sh, and prints the elapsed
// seconds (from opening the database to the output file being closed) on
// stdout:
//
//	duckbench [flags] import   CSV OUTDIR           CSV -> Parquet
//	duckbench [flags] datastep PARQUET OUTDIR       filter + 3 computed columns
//	duckbench [flags] merge    BIG SMALL OUTDIR     inner join on -by
//	duckbench [flags] mkleft   PARQUET OUT.parquet  merge input: add the key
//	duckbench [flags] mkright  N OUT.parquet        merge input: the right table
//	duckbench [flags] query    SQL                  print the result, tab-separated
//
// Every output is Parquet with snappy compression, written to
// OUTDIR/part-0.parquet (OUTDIR is created; an existing part-0.parquet is
// replaced). DuckDB runs in memory with -threads threads (default: all
// cores).
//
// The queries do the work of the rxspark commands of the script:
//
//	import:   rxspark import CSV --out DIR --out-format parquet
//	          COPY (SELECT * FROM read_csv(CSV, nullstr='NA')) TO ... (FORMAT parquet)
//	          with -csv-double (as dataops.sh runs it) every numeric column is
//	          read as DOUBLE, the schema rxspark writes; without it DuckDB
//	          makes integral columns BIGINT
//	datastep: rxspark datastep P --row-selection 'ArrDelay > 0 & !is.na(DepDelay)'
//	            --transform 'Speed = Distance / (AirTime / 60)'
//	            --transform 'LogDist = log(Distance)'
//	            --transform 'Late15 = ifelse(ArrDelay > 15, 1, 0)'
//	          all input columns plus the 3 new ones
//	merge:    rxspark merge BIG SMALL --type inner --by KEY
//	          all columns of both, the key once (JOIN ... USING (KEY))
//
// mkleft and mkright prepare the merge inputs and are not timed. mkleft
// copies the airline Parquet adding the key column -by, a double computed by
// -keyexpr (default: a pseudo-random spread of the rows over 0..99999). It is
// the fallback of dataops.sh for an rxspark that cannot compute the key with
// its datastep. mkright writes the right table: N rows, the key 0..N-1 (as a
// double, as rxspark reads numbers) and three attributes: Seats and PlaneYear
// (numbers) and Maker (a string with five values), deterministic functions of
// the key.
package main

import (
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

// defaultKey is the merge key of the big side: a pseudo-random spread of the
// airline columns over 0..99999 (about 40 rows per key on 4 M rows), the same
// formula as the rxspark datastep of dataops.sh (R's %% is SQL's % here).
const defaultKey = "(CRSDepTime * 7919 + Distance * 104729 + Month * 31 + TaxiOut * 613) % 100000"

func main() {
	threads := flag.Int("threads", runtime.NumCPU(), "DuckDB threads")
	by := flag.String("by", "FlightKey", "merge, mkleft, mkright: the join key column")
	keyexpr := flag.String("keyexpr", defaultKey, "mkleft: SQL expression of the key over the airline columns")
	perThread := flag.Bool("per-thread-output", false, "write one Parquet file per thread (PER_THREAD_OUTPUT) instead of one file")
	csvDouble := flag.Bool("csv-double", false, "import: read every numeric CSV column as DOUBLE (as rxspark does) instead of letting DuckDB pick BIGINT for integral ones")
	verbose := flag.Bool("v", false, "print the query on stderr")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: duckbench [flags] import CSV OUTDIR | datastep PARQUET OUTDIR | merge BIG SMALL OUTDIR | mkleft PARQUET OUT.parquet | mkright N OUT.parquet | query SQL\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	args := flag.Args()
	if len(args) < 1 {
		flag.Usage()
		os.Exit(2)
	}
	need := func(n int) {
		if len(args) != n+1 {
			flag.Usage()
			os.Exit(2)
		}
	}
	var query, out string
	switch args[0] {
	case "import":
		need(2)
		out = args[2]
		types := ""
		if *csvDouble {
			types = ", auto_type_candidates = ['BOOLEAN', 'DOUBLE', 'VARCHAR']"
		}
		query = fmt.Sprintf("SELECT * FROM read_csv(%s, header = true, nullstr = 'NA'%s)", lit(args[1]), types)
	case "datastep":
		need(2)
		out = args[2]
		query = fmt.Sprintf(`SELECT *,
       Distance / (AirTime / 60) AS Speed,
       ln(Distance) AS LogDist,
       CASE WHEN ArrDelay > 15 THEN 1.0 WHEN ArrDelay IS NOT NULL THEN 0.0 END AS Late15
FROM read_parquet(%s)
WHERE ArrDelay > 0 AND DepDelay IS NOT NULL`, parquetSrc(args[1]))
	case "merge":
		need(3)
		out = args[3]
		query = fmt.Sprintf("SELECT * FROM read_parquet(%s) AS l JOIN read_parquet(%s) AS r USING (%s)", parquetSrc(args[1]), parquetSrc(args[2]), ident(*by))
	case "mkright":
		need(2)
		n, err := strconv.Atoi(args[1])
		if err != nil || n <= 0 {
			fmt.Fprintln(os.Stderr, "duckbench: mkright N OUT.parquet: N must be a positive integer")
			os.Exit(2)
		}
		// Keys 0..N-1; the attributes are deterministic functions of the key.
		q := fmt.Sprintf(`COPY (
  SELECT CAST(k AS DOUBLE) AS %[1]s,
         CAST(50 + hash(k, 1) %% 300 AS DOUBLE) AS Seats,
         CAST(1975 + hash(k, 2) %% 50 AS DOUBLE) AS PlaneYear,
         ['Airbus', 'Boeing', 'Bombardier', 'Embraer', 'McDonnell'][CAST(1 + hash(k, 3) %% 5 AS BIGINT)] AS Maker
  FROM range(%[2]d) AS t(k)
  ORDER BY k
) TO %[3]s (FORMAT parquet, COMPRESSION snappy)`, ident(*by), n, lit(args[2]))
		exit(run(*threads, q, *verbose))
	case "query":
		need(1)
		exit(printQuery(*threads, args[1]))
	case "mkleft":
		need(2)
		q := fmt.Sprintf(`COPY (SELECT *, CAST(%s AS DOUBLE) AS %s FROM read_parquet(%s))
TO %s (FORMAT parquet, COMPRESSION snappy)`, *keyexpr, ident(*by), parquetSrc(args[1]), lit(args[2]))
		exit(run(*threads, q, *verbose))
	default:
		flag.Usage()
		os.Exit(2)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "duckbench:", err)
		os.Exit(1)
	}
	target := filepath.Join(out, "part-0.parquet")
	opts := "FORMAT parquet, COMPRESSION snappy"
	if *perThread {
		// DuckDB writes a directory of data_N.parquet files.
		target = filepath.Join(out, "duck")
		opts += ", PER_THREAD_OUTPUT true, OVERWRITE_OR_IGNORE true"
	}
	os.RemoveAll(target)
	start := time.Now()
	if err := run(*threads, fmt.Sprintf("COPY (%s) TO %s (%s)", query, lit(target), opts), *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "duckbench:", err)
		os.Exit(1)
	}
	fmt.Printf("%.3f\n", time.Since(start).Seconds())
}

// exit ends the program after a preparation step.
func exit(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "duckbench:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// run opens an in-memory database with the given number of threads and
// executes q.
func run(threads int, q string, verbose bool) error {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // one connection: the SET applies to the COPY
	if _, err := db.Exec(fmt.Sprintf("SET threads = %d", threads)); err != nil {
		return err
	}
	if verbose {
		fmt.Fprintln(os.Stderr, q)
	}
	_, err = db.Exec(q)
	return err
}

// printQuery prints the rows of q on stdout, tab-separated (the checks of the
// script: row counts, distinct keys).
func printQuery(threads int, q string) error {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(fmt.Sprintf("SET threads = %d", threads)); err != nil {
		return err
	}
	rows, err := db.Query(q)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for i, v := range vals {
			if i > 0 {
				fmt.Print("\t")
			}
			fmt.Print(v)
		}
		fmt.Println()
	}
	return rows.Err()
}

// parquetSrc is the read_parquet argument for a file, or for a directory
// (such as an rxspark output): all the .parquet files under it.
func parquetSrc(p string) string {
	if fi, err := os.Stat(p); err == nil && fi.IsDir() {
		return lit(filepath.Join(p, "**", "*.parquet"))
	}
	return lit(p)
}

// lit quotes s as an SQL string literal.
func lit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// ident quotes s as an SQL identifier.
func ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
