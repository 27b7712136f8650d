package dataset

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The readers researchers use read a dataset directory as one table, with
// year and month from the partitions (null month for year-only dates)
// and the files' types. Each reader that is installed is run; the others
// skip, saying how to get them. Nothing is installed or fetched here.
func TestOtherReaders(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "events")
	rs := records(400, 7)
	export(t, dir, rs)

	// What every reader must find: rows, rows with a null month, evidence
	// sentences, the first date_start, the last date_end, rows with a
	// first_seen.
	var nullMonths, evidence, firstSeen int
	var first, last time.Time
	for i, r := range rs {
		if len(r.Date) == len("2006") {
			nullMonths++
		}
		evidence += len(r.Evidence)
		if !r.FirstSeen.IsZero() {
			firstSeen++
		}
		from, to, _ := DateRange(r.Date)
		if i == 0 || from.Before(first) {
			first = from
		}
		if i == 0 || to.After(last) {
			last = to
		}
	}
	want := fmt.Sprintf("%d,%d,%d,%s,%s,%d", len(rs), nullMonths, evidence,
		first.Format(time.DateOnly), last.Format(time.DateOnly), firstSeen)

	sql := fmt.Sprintf(`SELECT count(*), count(*) FILTER (WHERE month IS NULL), sum(len(evidence)),
		min(date_start), max(date_end), count(first_seen)
		FROM read_parquet('%s', hive_partitioning = true, hive_types = {'year': INTEGER, 'month': INTEGER})`,
		filepath.ToSlash(filepath.Join(dir, "**", "*.parquet")))

	for _, rd := range []struct {
		name, missing string
		available     func() bool
		cmd           func() *exec.Cmd
	}{
		{
			name:      "pyarrow",
			missing:   "python3 with pyarrow is not installed (pip install pyarrow pandas)",
			available: func() bool { return python("import pyarrow.dataset") },
			cmd: func() *exec.Cmd {
				return exec.Command("python3", "-c", `
import sys
import pyarrow.compute as pc
import pyarrow.dataset as ds
t = ds.dataset(sys.argv[1], format="parquet", partitioning="hive").to_table()
print(",".join(str(v) for v in [
    t.num_rows, t["month"].null_count,
    pc.sum(pc.list_value_length(t["evidence"])).as_py(),
    pc.min(t["date_start"]).as_py(), pc.max(t["date_end"]).as_py(),
    t.num_rows - t["first_seen"].null_count,
]))
try:
    import pandas as pd
except ImportError:
    sys.exit(0)
df = pd.read_parquet(sys.argv[1])
if len(df) != t.num_rows:
    sys.exit("pandas read %d rows, pyarrow %d" % (len(df), t.num_rows))
`, dir)
			},
		},
		{
			name:      "duckdb-python",
			missing:   "python3 with duckdb is not installed (pip install duckdb)",
			available: func() bool { return python("import duckdb") },
			cmd: func() *exec.Cmd {
				return exec.Command("python3", "-c", `
import sys, duckdb
print(",".join(str(v) for v in duckdb.sql(sys.argv[1]).fetchone()))
`, sql)
			},
		},
		{
			name:      "duckdb-cli",
			missing:   "the duckdb command is not on PATH",
			available: func() bool { _, err := exec.LookPath("duckdb"); return err == nil },
			cmd:       func() *exec.Cmd { return exec.Command("duckdb", "-csv", "-noheader", "-c", sql) },
		},
		{
			name:      "duckdb-node",
			missing:   "node cannot find @duckdb/node-api (npm install @duckdb/node-api, then set NODE_PATH to its node_modules)",
			available: func() bool { return exec.Command("node", "-e", "require.resolve('@duckdb/node-api')").Run() == nil },
			cmd: func() *exec.Cmd {
				return exec.Command("node", "-e", `
const { DuckDBInstance } = require('@duckdb/node-api');
(async () => {
  const db = await DuckDBInstance.create(':memory:');
  const r = await (await db.connect()).runAndReadAll(process.argv[1]);
  console.log(r.getRowsJson()[0].join(','));
})().catch(e => { console.error(e); process.exit(1); });
`, sql)
			},
		},
	} {
		t.Run(rd.name, func(t *testing.T) {
			if !rd.available() {
				t.Skip(rd.missing)
			}
			cmd := rd.cmd()
			cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
			out, err := cmd.Output()
			if err != nil {
				msg := ""
				if ee, ok := err.(*exec.ExitError); ok {
					msg = string(ee.Stderr)
				}
				t.Fatalf("%v\n%s", err, msg)
			}
			if got := strings.TrimSpace(string(out)); got != want {
				t.Errorf("%s read rows, null months, evidence, first date_start, last date_end, first_seen\n got %s\nwant %s", rd.name, got, want)
			}
		})
	}
}

// python reports whether python3 runs code without error.
func python(code string) bool {
	return exec.Command("python3", "-c", code).Run() == nil
}
