package storage_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/userpool/userpool/mfa"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/user"
)

// TestMFASecretsAtRest enrols a user and reads the raw rows: no authenticator secret and no
// recovery code appears in clear, and deleting the user or the pool removes the rows.
func TestMFASecretsAtRest(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		pools := pool.NewService(st, "local")
		users := user.NewService(st, pools, user.DefaultHasher())
		svc := mfa.NewService(st, pools, users)
		p, err := pools.CreatePool(ctx, &pool.Pool{Name: "p", MfaConfiguration: pool.MfaOptional})
		if err != nil {
			t.Fatal(err)
		}
		u, _, err := users.AdminCreateUser(ctx, p.Id, user.AdminCreateUserInput{Username: "ann", MessageAction: "SUPPRESS"})
		if err != nil {
			t.Fatal(err)
		}
		en, err := svc.Associate(ctx, p.Id, u.Sub)
		if err != nil {
			t.Fatal(err)
		}
		code, _ := totp.GenerateCode(en.Secret, time.Now())
		enrolled, err := svc.VerifyEnrolment(ctx, p.Id, u.Sub, code)
		if err != nil {
			t.Fatal(err)
		}
		db := storage.GormDB(st)
		var dump []string
		for _, table := range []string{"mfa_totp", "mfa_recovery_codes"} {
			var rows []map[string]any
			if err := db.Table(table).Find(&rows).Error; err != nil {
				t.Fatal(err)
			}
			if len(rows) == 0 {
				t.Fatalf("no rows in %s", table)
			}
			for _, r := range rows {
				for _, v := range r {
					if s, ok := v.(string); ok {
						dump = append(dump, s)
					}
				}
			}
		}
		all := strings.ToLower(strings.Join(dump, "\n"))
		if strings.Contains(all, strings.ToLower(en.Secret)) {
			t.Error("the authenticator secret is stored in clear")
		}
		for _, c := range enrolled.RecoveryCodes {
			if strings.Contains(all, strings.ReplaceAll(c, "-", "")) || strings.Contains(all, c) {
				t.Errorf("recovery code %s is stored in clear", c)
			}
		}
		// Another pool cannot read the user's secret.
		if got, err := st.GetTOTP(ctx, "local_other", u.Sub); err != nil || got != nil {
			t.Fatalf("other pool: %+v %v", got, err)
		}

		if err := st.DeleteUser(ctx, p.Id, u.Sub); err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"mfa_totp", "mfa_recovery_codes", "mfa_attempts"} {
			var n int64
			if err := db.Table(table).Where("pool_id = ?", p.Id).Count(&n).Error; err != nil || n != 0 {
				t.Errorf("%s keeps %d rows of a deleted user (%v)", table, n, err)
			}
		}
	})
}
