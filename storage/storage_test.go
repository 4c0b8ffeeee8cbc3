package storage_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/userpool/userpool/accesskey"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/seal"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/user"
)

var ctx = context.Background()

func newSealer(t *testing.T) *seal.Sealer {
	t.Helper()
	s, err := seal.New(seal.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestOpenBadURL(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, url string
		want      []string // substrings of the error
	}{
		{"empty", "  ", []string{"database URL is empty"}},
		{"unknown scheme", "mysql://root@localhost/db", []string{`scheme "mysql" is not supported`}},
		{"sqlite without path", "sqlite://", []string{"has no SQLite file path"}},
		{"postgres without host", "postgres:///db", []string{"has no host"}},
		{"bad postgres URL", "postgres://user:hunter2@host:port/db", []string{"not a valid postgres URL"}},
		{"unreachable postgres", "postgres://user:hunter2@127.0.0.1:1/db?sslmode=disable&connect_timeout=5", []string{"connect to postgres database", "127.0.0.1:1", "connection refused"}},
		{"sqlite dir missing", filepath.Join(dir, "missing", "x.db"), []string{"open sqlite database", "missing", "does not exist"}},
		{"bad sqlite param", filepath.Join(dir, "x.db") + "?_pragma=nonsense(", []string{"connect to sqlite database"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := storage.Open(ctx, tc.url, newSealer(t))
			if err == nil {
				_ = s.Close()
				t.Fatalf("Open(%q) succeeded", tc.url)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q reveals the password", err)
			}
		})
	}
	if _, err := storage.Open(ctx, filepath.Join(dir, "y.db"), nil); err == nil {
		t.Error("Open without a sealer succeeded")
	}
}

func TestOpenSQLiteForms(t *testing.T) {
	dir := t.TempDir()
	for _, u := range []string{
		filepath.Join(dir, "plain.db"),
		"sqlite://" + filepath.Join(dir, "scheme.db"),
		"file:" + filepath.Join(dir, "file.db"),
	} {
		t.Run(u, func(t *testing.T) {
			s, err := storage.Open(ctx, u, newSealer(t))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if s.Driver() != storage.DriverSQLite {
				t.Fatalf("Driver() = %q", s.Driver())
			}
			db := storage.GormDB(s)
			for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "10000"} {
				var got string
				if err := db.Raw("PRAGMA " + pragma).Scan(&got).Error; err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Errorf("PRAGMA %s = %q, want %q", pragma, got, want)
				}
			}
			if err := s.Ping(ctx); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if err := s.Ping(ctx); err == nil {
				t.Fatal("Ping after Close succeeded")
			}
		})
	}
}

func TestDriver(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, d storagetest.Database) {
		if got := d.Open(t).Driver(); got != d.Driver {
			t.Fatalf("Driver() = %q, want %q", got, d.Driver)
		}
	})
}

// Several processes starting at once on one empty database migrate it exactly once.
func TestMigrateConcurrently(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, d storagetest.Database) {
		const n = 4
		stores := make([]*storage.Store, n)
		for i := range stores {
			stores[i] = d.Connect(t, d.Key)
		}
		var wg sync.WaitGroup
		errCh := make(chan error, n)
		for _, s := range stores {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errCh <- s.Migrate(ctx)
			}()
		}
		wg.Wait()
		close(errCh)
		for err := range errCh {
			if err != nil {
				t.Fatal(err)
			}
		}
		db := storage.GormDB(stores[0])
		var ids []string
		if err := db.Raw("SELECT id FROM schema_migrations ORDER BY id").Scan(&ids).Error; err != nil {
			t.Fatal(err)
		}
		// Helpers append their migrations in the order they land, not by id.
		if strings.Join(ids, ",") != strings.Join(slices.Sorted(slices.Values(storage.MigrationIDs())), ",") {
			t.Fatalf("schema_migrations = %v", ids)
		}
		var sentinels int64
		if err := db.Raw("SELECT count(*) FROM meta").Scan(&sentinels).Error; err != nil {
			t.Fatal(err)
		}
		if sentinels != 1 {
			t.Fatalf("%d sentinels", sentinels)
		}
		// Every store works on the shared schema, and migrating again changes nothing.
		if err := stores[1].CreatePool(ctx, &pool.Pool{Id: "local_migrated1", Name: "p"}); err != nil {
			t.Fatal(err)
		}
		if err := stores[2].Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := stores[3].GetPool(ctx, "local_migrated1"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestWrongMasterKey(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, d storagetest.Database) {
		d.Open(t) // seals the sentinel with d.Key
		err := d.Connect(t, seal.NewKey()).Migrate(ctx)
		if !errors.Is(err, storage.ErrWrongMasterKey) {
			t.Fatalf("Migrate with another key: %v, want ErrWrongMasterKey", err)
		}
		if !strings.Contains(err.Error(), "master key does not match this database") {
			t.Fatalf("unclear error %q", err)
		}
		if err := d.Connect(t, d.Key).Migrate(ctx); err != nil {
			t.Fatalf("Migrate with the right key: %v", err)
		}
	})
}

func TestMigrateRefusesNewerDatabase(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, d storagetest.Database) {
		s := d.Open(t)
		if err := storage.GormDB(s).Exec("INSERT INTO schema_migrations (id) VALUES ('9999_future')").Error; err != nil {
			t.Fatal(err)
		}
		err := d.Connect(t, d.Key).Migrate(ctx)
		if err == nil || !strings.Contains(err.Error(), "newer userpool") {
			t.Fatalf("Migrate on a newer database: %v", err)
		}
	})
}

// A dump of the database reveals no client or access-key secret.
func TestSecretsSealedAtRest(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, d storagetest.Database) {
		s := d.Open(t)
		const clientSecret = "client-secret-0123456789abcdefghijklmnopqrstuvwxyz"
		const keySecret = "key-secret-0123456789abcdefghijklmnopqrstuv"
		if err := s.CreatePool(ctx, &pool.Pool{Id: "local_sealed001", Name: "p"}); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateClient(ctx, &pool.Client{UserPoolId: "local_sealed001", ClientId: "abcdefghijklmnopqrstuvwxyz", ClientName: "c", ClientSecret: clientSecret}); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateAccessKey(ctx, &accesskey.Key{ID: "AKIAAAAAAAAAAAAAAAAA", Secret: keySecret, Enabled: true}); err != nil {
			t.Fatal(err)
		}
		db := storage.GormDB(s)
		var dump []string
		for _, q := range []string{"SELECT secret_sealed FROM clients", "SELECT config FROM clients", "SELECT secret_sealed FROM access_keys"} {
			var vals []string
			if err := db.Raw(q).Scan(&vals).Error; err != nil {
				t.Fatal(err)
			}
			dump = append(dump, vals...)
		}
		all := strings.Join(dump, "\n")
		if strings.Contains(all, clientSecret) || strings.Contains(all, keySecret) {
			t.Fatal("a secret is stored in the clear")
		}
		// Another key cannot read them back.
		other := d.Connect(t, seal.NewKey())
		if _, err := other.GetClient(ctx, "local_sealed001", "abcdefghijklmnopqrstuvwxyz"); !errors.Is(err, seal.ErrWrongKey) {
			t.Fatalf("GetClient with another key: %v", err)
		}
		if _, err := other.GetAccessKey(ctx, "AKIAAAAAAAAAAAAAAAAA"); !errors.Is(err, seal.ErrWrongKey) {
			t.Fatalf("GetAccessKey with another key: %v", err)
		}
	})
}

// Every ListUsers search is served by an index that also yields the result order, so a page
// never needs a sort or a scan of the pool.
func TestListUsersQueryPlans(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, d storagetest.Database) {
		s := d.Open(t)
		seedUsers(t, s, "local_plan00001", 3000) // PostgreSQL plans by statistics; give it some
		cases := []struct {
			q     user.Query
			index string // "" = any index, as long as it yields the order
		}{
			{user.Query{}, "users_pkey"},
			{user.Query{Field: user.FieldUsername, Value: "a"}, "users_username_key_uq"},
			{user.Query{Field: user.FieldUsername, Prefix: true, Value: "a"}, "users_username_key_uq"},
			{user.Query{Field: user.FieldSub, Prefix: true, Value: "ab"}, "users_pkey"},
			{user.Query{Field: user.FieldEmail, Value: "a@b"}, "users_email_idx"},
			{user.Query{Field: user.FieldEmail, Prefix: true, Value: "a"}, "users_email_idx"},
			{user.Query{Field: user.FieldPhoneNumber, Prefix: true, Value: "+1"}, "users_phone_number_idx"},
			{user.Query{Field: user.FieldName, Prefix: true, Value: "Al"}, "users_name_idx"},
			{user.Query{Field: user.FieldGivenName, Value: "Al"}, "users_given_name_idx"},
			{user.Query{Field: user.FieldFamilyName, Prefix: true, Value: "É"}, "users_family_name_idx"},
			{user.Query{Field: user.FieldPreferredUsername, Prefix: true, Value: "a%"}, "users_preferred_username_idx"},
			// Nearly everyone matches these: walking the primary key in order is as good.
			{user.Query{Field: user.FieldUserStatus, Value: "CONFIRMED"}, ""},
			{user.Query{Field: user.FieldStatus, Value: "Enabled"}, ""},
			{user.Query{Field: user.FieldUserStatus, Value: "UNCONFIRMED"}, "users_status_idx"},
		}
		for _, tc := range cases {
			tc.q.Page.Limit = 60
			plan, err := storage.ExplainListUsers(ctx, s, "local_plan00001", tc.q, true)
			if err != nil {
				t.Fatal(err)
			}
			index := tc.index
			if d.Driver == storage.DriverSQLite && index == "users_pkey" {
				index = "sqlite_autoindex_users_1" // SQLite's name for the primary key index
			}
			if !strings.Contains(plan, index) || !strings.Contains(strings.ToLower(plan), "index") ||
				strings.Contains(plan, "TEMP B-TREE") || strings.Contains(plan, "Sort") || strings.Contains(plan, "Seq Scan") {
				t.Errorf("%s %v %q: plan does not use %s alone:\n%s", tc.q.Field, tc.q.Prefix, tc.q.Value, index, plan)
			}
		}
	})
}

// Ending a user's sessions, deleting a user and revoking an app client's tokens find the rows
// through an index on (pool_id, sub) or (pool_id, client_id), not by walking the pool's rows
// (migration 0013_indexes added the missing ones). The plan is checked for the column in the
// index condition rather than for an index name: either of two fitting indexes will do.
func TestUserAndClientLookupPlans(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, d storagetest.Database) {
		s := d.Open(t)
		if d.Driver == storage.DriverPostgres {
			// PostgreSQL plans by statistics: on empty tables any index on pool_id looks as good.
			for _, stmt := range []string{
				`INSERT INTO token_families (pool_id, id, client_id, sub, auth_request_id, created_at, expires_at)
				 SELECT 'p', 'f' || i, 'c' || (i % 20), 's' || i, 'a' || i, now(), now() FROM generate_series(1, 2000) i`,
				`INSERT INTO refresh_tokens (pool_id, id, family_id, client_id, sub, token_hash, scopes, amr, auth_time, created_at, expires_at)
				 SELECT 'p', 'r' || i, 'f' || i, 'c' || (i % 20), 's' || i, 'h' || i, '', '[]', now(), now(), now() FROM generate_series(1, 2000) i`,
				`INSERT INTO browser_sessions (pool_id, id_hash, sub, auth_time, amr, created_at, expires_at)
				 SELECT 'p', 'b' || i, 's' || i, now(), '[]', now(), now() FROM generate_series(1, 2000) i`,
				`INSERT INTO code_sends (id, pool_id, sub, purpose, destination, sent_at)
				 SELECT 'c' || i, 'p', 's' || i, 'sign_up', 'd' || i, now() FROM generate_series(1, 2000) i`,
				`INSERT INTO mfa_attempts (pool_id, id, sub, step, options, factor, failures, created_at, expires_at)
				 SELECT 'p', 'm' || i, 's' || i, '', '', '', 0, now(), now() FROM generate_series(1, 2000) i`,
				`ANALYZE`,
			} {
				if err := storage.GormDB(s).Exec(stmt).Error; err != nil {
					t.Fatal(err)
				}
			}
		}
		const revoke = "UPDATE %s SET revoked_at = ? WHERE pool_id = ? AND %s = ? AND revoked_at IS NULL"
		bySub := func(table string) string { return "DELETE FROM " + table + " WHERE pool_id = ? AND sub = ?" }
		cases := []struct {
			query  string
			column string
		}{
			{bySub("browser_sessions"), "sub"},
			{bySub("operator_sessions"), "sub"},
			{bySub("codes"), "sub"},
			{bySub("code_sends"), "sub"},
			{bySub("group_members"), "sub"},
			{bySub("signin_failures"), "sub"},
			{bySub("mfa_totp"), "sub"},
			{bySub("mfa_recovery_codes"), "sub"},
			{bySub("mfa_attempts"), "sub"},
			{fmt.Sprintf(revoke, "token_families", "sub"), "sub"},
			{fmt.Sprintf(revoke, "refresh_tokens", "sub"), "sub"},
			{fmt.Sprintf(revoke, "token_families", "client_id"), "client_id"},
			{fmt.Sprintf(revoke, "refresh_tokens", "client_id"), "client_id"},
			{"SELECT * FROM ui_customizations WHERE pool_id = ? AND client_id = ?", "client_id"},
		}
		for _, tc := range cases {
			vars := []any{"p", "x"}
			if strings.HasPrefix(tc.query, "UPDATE") {
				vars = append([]any{time.Now()}, vars...)
			}
			plan, err := storage.Explain(ctx, s, tc.query, vars, true)
			if err != nil {
				t.Fatal(err)
			}
			indexed := false
			for _, line := range strings.Split(plan, "\n") {
				if d.Driver == storage.DriverSQLite {
					indexed = indexed || strings.Contains(line, "USING") && strings.Contains(line, " "+tc.column+"=?")
				} else {
					indexed = indexed || strings.Contains(line, "Index Cond") && strings.Contains(line, "("+tc.column+" = ")
				}
			}
			if !indexed || strings.Contains(plan, "Seq Scan") || strings.Contains(plan, "SCAN ") {
				t.Errorf("%s: no index on (pool_id, %s) in the plan:\n%s", tc.query, tc.column, plan)
			}
		}
	})
}
