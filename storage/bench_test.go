package storage_test

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/user"
)

// BenchmarkListUsersPrefix measures ListUsers' `email ^= "mar"` (about 5% of the pool match)
// on a pool of USERPOOL_BENCH_USERS users (default a million), on SQLite and, when
// USERPOOL_TEST_POSTGRES_URL is set, on PostgreSQL. Seeding runs once per database and is
// reported with b.Logf, as is the query plan.
func BenchmarkListUsersPrefix(b *testing.B) {
	n := 1_000_000
	if v := os.Getenv("USERPOOL_BENCH_USERS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("USERPOOL_BENCH_USERS=%q is not a positive number", v)
		}
	}
	const poolID = "local_bench0001"
	q := user.Query{Field: user.FieldEmail, Prefix: true, Value: "mar", Page: pool.Page{Limit: 60}}

	dbs := []func(testing.TB) storagetest.Database{storagetest.SQLite}
	if os.Getenv(storagetest.PostgresEnv) != "" {
		dbs = append(dbs, storagetest.Postgres)
	} else {
		b.Run(storage.DriverPostgres, func(b *testing.B) { b.Skipf("%s is not set", storagetest.PostgresEnv) })
	}
	for _, newDB := range dbs {
		// The parent benchmark runs once (it has sub-benchmarks), so this seeds once per database.
		d := newDB(b)
		s := d.Open(b)
		took := seedUsers(b, s, poolID, n)
		b.Logf("%s: seeded %d users in %s", d.Driver, n, took.Round(time.Millisecond))
		plan, err := storage.ExplainListUsers(ctx, s, poolID, q, false)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: plan of email ^= %q:\n%s", d.Driver, q.Value, plan)

		b.Run(d.Driver, func(b *testing.B) {
			for b.Loop() {
				users, next, err := s.ListUsers(ctx, poolID, q)
				if err != nil {
					b.Fatal(err)
				}
				if len(users) != 60 || next == "" {
					b.Fatalf("got %d users, next %q", len(users), next)
				}
			}
		})
	}
}
