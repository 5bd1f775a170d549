package dbtest

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"simpletiktok/pkg/config"
	"simpletiktok/pkg/db"
)

// statement is one statement as gorm sent it: its text with placeholders, and its values.
type statement struct {
	sql  string
	vars []any
}

// recorded holds the statements of the package under test that CheckPlans explains. It is the
// one piece of state of this package, set only by CheckPlans (from TestMain, before any test) and
// filled by the gorm handles that OpenSchema opens while the tests run.
var recorded struct {
	sync.Mutex
	on    bool
	seen  map[string]bool
	stmts []statement
}

// record registers, on a handle OpenSchema opened, the callback that keeps what the code under
// test sends (not what tests or this package send themselves: see fromCodeUnderTest).
func record(gdb *gorm.DB) error {
	keep := func(tx *gorm.DB) {
		text := tx.Statement.SQL.String()
		if !isRead(text) || !fromCodeUnderTest() {
			return
		}
		recorded.Lock()
		defer recorded.Unlock()
		if !recorded.on || recorded.seen[text] {
			return
		}
		recorded.seen[text] = true
		recorded.stmts = append(recorded.stmts, statement{sql: text, vars: slices.Clone(tx.Statement.Vars)})
	}
	cb := gdb.Callback()
	for _, err := range []error{
		cb.Query().After("gorm:query").Register("dbtest:record", keep),
		cb.Row().After("gorm:row").Register("dbtest:record", keep),
		cb.Raw().After("gorm:raw").Register("dbtest:record", keep),
		cb.Update().After("gorm:update").Register("dbtest:record", keep),
		cb.Delete().After("gorm:delete").Register("dbtest:record", keep),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// isRead tells whether a statement reads rows through a plan: SELECT, and the WHERE of UPDATE and
// DELETE. INSERT ... VALUES has no plan to check.
func isRead(text string) bool {
	verb, _, _ := strings.Cut(strings.TrimLeft(text, "( \n\t"), " ")
	switch strings.ToUpper(verb) {
	case "SELECT", "UPDATE", "DELETE":
		return true
	}
	return false
}

// fromCodeUnderTest tells whether the statement being sent comes from the code under test: the
// first caller outside gorm, database/sql and this package is in a file that is not a test.
func fromCodeUnderTest() bool {
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(3, pcs)])
	for {
		f, more := frames.Next()
		switch {
		case strings.HasPrefix(f.Function, "gorm.io/"), strings.HasPrefix(f.Function, "database/sql"),
			strings.HasPrefix(f.Function, "runtime."), strings.Contains(f.Function, "/pkg/db/dbtest."):
		default:
			return !strings.HasSuffix(f.File, "_test.go")
		}
		if !more {
			return false
		}
	}
}

// Plans says how CheckPlans builds the schema it explains the statements against.
type Plans struct {
	// Migrations make the schema.
	Migrations fs.FS
	// Fill is the SQL that fills it: enough rows in every table the code reads (some tens of
	// thousands) that the optimizer chooses as it will in production, spread over the small ids the
	// tests use, so that their statements' values find rows like theirs.
	Fill []string
	// Allowed are the statements allowed a plan CheckPlans would refuse, each a part of the
	// statement's text and the reason it is fine (said in the output).
	Allowed map[string]string
}

// CheckPlans runs the package's tests (m.Run) while recording every read statement the code under
// test sends through the handles OpenSchema opens, then EXPLAINs each against a schema made by
// p.Migrations and filled by p.Fill, and fails (exit code 1) when a statement reads a whole table
// or a whole index, or sorts (filesort, temporary table) the rows of a table it reads, unless
// p.Allowed allows it. Call it from TestMain: os.Exit(dbtest.CheckPlans(m, plans)).
func CheckPlans(m *testing.M, p Plans) int {
	recorded.Lock()
	recorded.on, recorded.seen = true, map[string]bool{}
	recorded.Unlock()
	if code := m.Run(); code != 0 {
		return code
	}
	recorded.Lock()
	recorded.on = false
	stmts := recorded.stmts
	recorded.Unlock()
	problems, err := explainAll(p, stmts, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "dbtest.CheckPlans:", err)
		return 1
	}
	if len(problems) > 0 {
		fmt.Fprintf(os.Stderr, "--- FAIL: dbtest.CheckPlans: %d of %d read statements have a plan that grows with the table:\n", len(problems), len(stmts))
		for _, pr := range problems {
			fmt.Fprintln(os.Stderr, pr)
		}
		return 1
	}
	if testing.Verbose() {
		fmt.Printf("dbtest.CheckPlans: the plans of %d read statements are bounded\n", len(stmts))
	}
	return 0
}

// explainAll fills a fresh schema and explains stmts there; it answers one line per refused plan.
func explainAll(p Plans, stmts []statement, verbose io.Writer) ([]string, error) {
	ctx := context.Background()
	base, err := mysql.ParseDSN(DSN())
	if err != nil {
		return nil, err
	}
	name := SchemaName("plan")
	if err := db.CreateSchema(ctx, base, name); err != nil {
		return nil, fmt.Errorf("create %s (is MySQL running at %s?): %w", name, DSN(), err)
	}
	defer func() { _ = db.DropSchema(context.Background(), DSN(), name) }()
	if err := db.MigrateUp(ctx, config.MySQL{DSN: DSN(), Database: name}, p.Migrations, slog.New(slog.DiscardHandler)); err != nil {
		return nil, err
	}
	cfg := base.Clone()
	cfg.DBName = name
	cfg.InterpolateParams = true
	cfg.ParseTime = true
	conn, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	for _, q := range p.Fill {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("fill: %s: %w", q, err)
		}
	}
	// Fresh statistics, as a table that has grown has them.
	var tables []string
	if err := queryStrings(ctx, conn, &tables, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", name); err != nil {
		return nil, err
	}
	for _, t := range tables {
		if err := queryStrings(ctx, conn, nil, "ANALYZE TABLE `"+t+"`"); err != nil {
			return nil, err
		}
	}
	var problems []string
	for _, s := range stmts {
		rows, err := explain(ctx, conn, s)
		if err != nil {
			return nil, err
		}
		why := refused(rows)
		if why == "" {
			if testing.Verbose() {
				fmt.Fprintf(verbose, "dbtest.CheckPlans: bounded: %s\n%s", s.sql, formatPlan(rows))
			}
			continue
		}
		if reason, ok := allowed(p.Allowed, s.sql); ok {
			if testing.Verbose() {
				fmt.Fprintf(verbose, "dbtest.CheckPlans: allowed (%s): %s: %s\n", reason, why, s.sql)
			}
			continue
		}
		problems = append(problems, fmt.Sprintf("  %s\n    %s\n%s", why, s.sql, formatPlan(rows)))
	}
	return problems, nil
}

func allowed(list map[string]string, text string) (string, bool) {
	for part, reason := range list {
		if strings.Contains(text, part) {
			return reason, true
		}
	}
	return "", false
}

// planRow is a row of EXPLAIN, by column name.
type planRow map[string]string

func explain(ctx context.Context, conn *sql.DB, s statement) ([]planRow, error) {
	rows, err := conn.QueryContext(ctx, "EXPLAIN "+s.sql, s.vars...)
	if err != nil {
		return nil, fmt.Errorf("EXPLAIN %s: %w", s.sql, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []planRow
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		r := planRow{}
		for i, c := range cols {
			r[c] = vals[i].String
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// refused says what is wrong with a plan, or "" when every table it reads is read by a bounded
// part of an index. Derived tables (<derivedN>, <unionN>) are the bounded results of their own
// rows of the plan, so only the tables of the schema count.
func refused(plan []planRow) string {
	var why []string
	for _, r := range plan {
		table := r["table"]
		if table == "" || strings.HasPrefix(table, "<") {
			continue
		}
		extra := r["Extra"]
		switch r["type"] {
		case "ALL":
			why = append(why, "a full scan of "+table)
		case "index":
			why = append(why, "a full index scan of "+table)
		}
		if strings.Contains(extra, "Using filesort") {
			why = append(why, "a filesort of rows of "+table)
		}
		if strings.Contains(extra, "Using temporary") {
			why = append(why, "a temporary table of rows of "+table)
		}
	}
	return strings.Join(why, ", ")
}

func formatPlan(plan []planRow) string {
	var b strings.Builder
	for _, r := range plan {
		fmt.Fprintf(&b, "    | %s %s type=%s key=%s rows=%s extra=%s\n", r["select_type"], r["table"], r["type"], r["key"], r["rows"], r["Extra"])
	}
	return b.String()
}

// queryStrings runs q and keeps its first column in out (nil: reads and drops the rows).
func queryStrings(ctx context.Context, conn *sql.DB, out *[]string, q string, args ...any) error {
	rows, err := conn.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", q, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if out != nil {
			*out = append(*out, vals[0].String)
		}
	}
	return rows.Err()
}
