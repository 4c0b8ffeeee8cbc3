package user_test

import (
	"testing"

	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/user"
)

// BenchmarkPasswordSignIn reports password sign-ins per second through user.Service.SignIn on
// real SQLite, next to the raw argon2id rate at the same parameters measured in the same run:
// the gap is what is not hashing (the user lookup, the lockout counters).
func BenchmarkPasswordSignIn(b *testing.B) {
	ctx := b.Context()
	st := storagetest.Open(b)
	pools := pool.NewService(st, "local")
	hasher := user.DefaultHasher()
	users := user.NewService(st, pools, hasher)
	p, err := pools.CreatePool(ctx, &pool.Pool{Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := users.AdminCreateUser(ctx, p.Id, user.AdminCreateUserInput{Username: "bench", MessageAction: "SUPPRESS"}); err != nil {
		b.Fatal(err)
	}
	const pw = "Bench-Passw0rd!"
	if err := users.AdminSetPassword(ctx, p.Id, "bench", pw, true); err != nil {
		b.Fatal(err)
	}
	perSecond := func(b *testing.B, unit string) {
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), unit)
	}
	b.Run("raw-argon2id", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := hasher.Hash(pw); err != nil {
					b.Error(err)
					return
				}
			}
		})
		perSecond(b, "hashes/s")
	})
	b.Run("sign-in", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := users.SignIn(ctx, p.Id, "bench", pw); err != nil {
					b.Error(err)
					return
				}
			}
		})
		perSecond(b, "sign-ins/s")
	})
}
