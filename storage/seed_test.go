package storage_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage"
)

var (
	givenNames  = strings.Fields("James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty Anthony Margaret Mark Sandra Donald Ashley Steven Kimberly Paul Emily Andrew Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Dorothy George Melissa Timothy Deborah Ronald Stephanie Edward Rebecca Jason Sharon Jeffrey Laura Ryan Cynthia Jacob Amy Gary Kathleen")
	familyNames = strings.Fields("Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy")
)

// seedUsers inserts n users into poolID with batched multi-row INSERTs straight through gorm
// (CreateUser's one transaction per user would take far longer for a million).
func seedUsers(tb testing.TB, s *storage.Store, poolID string, n int) time.Duration {
	tb.Helper()
	start := time.Now()
	db := storage.GormDB(s)
	if err := s.CreatePool(ctx, &pool.Pool{Id: poolID, Name: "seeded"}); err != nil {
		tb.Fatal(err)
	}
	const cols = "pool_id, sub, username, username_key, email_key, status, enabled, password_hash, password_history, attributes, profile_incomplete, mfa, email, phone_number, name, given_name, family_name, created_at, updated_at"
	const perRow = 19
	// The SQLite driver binds parameters in time quadratic in their number, so it gets small batches.
	batch := 1000
	if s.Driver() == storage.DriverSQLite {
		batch = 100
	}
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", perRow), ",") + ")"
	now := time.Now().UTC()
	err := db.Transaction(func(tx *gorm.DB) error {
		if s.Driver() == storage.DriverSQLite {
			// A bigger page cache for the load only; the benchmark then runs with the default.
			if err := tx.Exec("PRAGMA cache_size = -524288").Error; err != nil {
				return err
			}
			defer tx.Exec("PRAGMA cache_size = -2000")
		}
		for lo := 0; lo < n; lo += batch {
			hi := min(lo+batch, n)
			args := make([]any, 0, (hi-lo)*perRow)
			for i := lo; i < hi; i++ {
				// A multiplicative scramble spreads names over the insertion order.
				k := (i * 2654435761) % (1 << 31)
				given, family := givenNames[k%len(givenNames)], familyNames[(k/len(givenNames))%len(familyNames)]
				email := fmt.Sprintf("%s.%s%d@example.com", strings.ToLower(given), strings.ToLower(family), i)
				phone := fmt.Sprintf("+1%010d", k%10000000000)
				name := given + " " + family
				attrs, _ := json.Marshal(map[string]string{"email": email, "email_verified": "true", "phone_number": phone,
					"name": name, "given_name": given, "family_name": family})
				username := fmt.Sprintf("user%07d", i)
				args = append(args, poolID, uuid.NewString(), username, username, email, "CONFIRMED", i%50 != 0,
					"$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", "[]", string(attrs), false, "{}",
					email, phone, name, given, family, now, now)
			}
			stmt := "INSERT INTO users (" + cols + ") VALUES " + strings.TrimSuffix(strings.Repeat(row+",", hi-lo), ",")
			if err := tx.Exec(stmt, args...).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("seed users: %v", err)
	}
	if s.Driver() == storage.DriverPostgres {
		// Autovacuum would do this soon after a bulk load; do it now so the plan is the steady one.
		if err := db.Exec("ANALYZE users").Error; err != nil {
			tb.Fatal(err)
		}
	}
	return time.Since(start)
}
