package storage_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/user"
)

// The SRP verifier round-trips through the store but is never stored in the clear: a database
// dump alone must not allow an offline guess of the password.
func TestSRPVerifierSealed(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		ctx := t.Context()
		p, err := pool.NewService(st, "local").CreatePool(ctx, &pool.Pool{Name: "srp"})
		if err != nil {
			t.Fatal(err)
		}
		salt, verifier := []byte{1, 2, 3, 4}, bytes.Repeat([]byte{0xab}, 384)
		u := &user.User{PoolID: p.Id, Sub: "5a1ad1c5-7d35-4f34-9d0f-1d2c2b5e9a01", Username: "alice", UsernameKey: "alice",
			Status: user.StatusConfirmed, Enabled: true, SRPSalt: salt, SRPVerifier: verifier}
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		got, err := st.GetUser(ctx, p.Id, user.Lookup{Kind: user.BySub, Key: u.Sub})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.SRPSalt, salt) || !bytes.Equal(got.SRPVerifier, verifier) {
			t.Fatalf("salt/verifier = %x/%x, want %x/%x", got.SRPSalt, got.SRPVerifier, salt, verifier)
		}
		var stored string
		if err := storage.GormDB(st).Raw("SELECT srp_verifier FROM users WHERE sub = ?", u.Sub).Scan(&stored).Error; err != nil {
			t.Fatal(err)
		}
		if stored == "" || strings.Contains(strings.ToLower(stored), "abababab") {
			t.Fatalf("stored verifier %q is empty or in the clear", stored)
		}
		// A user without a verifier stays without one, and an update keeps a new one.
		got.SRPSalt, got.SRPVerifier = []byte{9}, []byte{8, 7}
		if err := st.UpdateUser(ctx, got); err != nil {
			t.Fatal(err)
		}
		again, err := st.GetUser(ctx, p.Id, user.Lookup{Kind: user.BySub, Key: u.Sub})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again.SRPVerifier, []byte{8, 7}) || !bytes.Equal(again.SRPSalt, []byte{9}) {
			t.Fatalf("after update: %x/%x", again.SRPSalt, again.SRPVerifier)
		}
	})
}
