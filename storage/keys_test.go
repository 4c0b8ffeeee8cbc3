package storage_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/userpool/userpool/keys"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/seal"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/storage/storagetest"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func keyIDs(jwks []jose.JSONWebKey) []string {
	var out []string
	for _, k := range jwks {
		out = append(out, k.KeyID)
	}
	return out
}

// Two server processes on one database sign with the same key, publish the same JWKS, and
// create one key when they start signing for a new pool at the same moment.
func TestKeysTwoProcesses(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, d storagetest.Database) {
		ctx := context.Background()
		c := &testClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		sealer, err := seal.New(d.Key)
		if err != nil {
			t.Fatal(err)
		}
		var procs []*keys.Service
		for _, st := range []keys.Store{d.Open(t), d.Connect(t, d.Key)} {
			svc, err := keys.New(st, sealer, keys.Config{Now: c.Now})
			if err != nil {
				t.Fatal(err)
			}
			procs = append(procs, svc)
		}
		a, b := procs[0], procs[1]
		const pool = "local_KEYSPOOL1"

		var wg sync.WaitGroup
		errCh := make(chan error, 20)
		for i := range 10 {
			wg.Add(2)
			svc := procs[i%2]
			go func() { defer wg.Done(); errCh <- svc.EnsureKey(ctx, pool, keys.ES256) }()
			go func() { defer wg.Done(); _, err := svc.SigningKey(ctx, pool); errCh <- err }()
		}
		wg.Wait()
		close(errCh)
		for err := range errCh {
			if err != nil {
				t.Fatalf("concurrent first use: %v", err)
			}
		}
		stored, err := a.Keys(ctx, pool)
		if err != nil {
			t.Fatal(err)
		}
		if len(stored) != 1 {
			t.Fatalf("%d keys after concurrent first use, want 1", len(stored))
		}

		ska, err := a.SigningKey(ctx, pool)
		if err != nil {
			t.Fatal(err)
		}
		skb, err := b.SigningKey(ctx, pool)
		if err != nil {
			t.Fatal(err)
		}
		if ska.ID() != skb.ID() || ska.ID() != stored[0].ID {
			t.Fatalf("processes sign with %s and %s, want %s", ska.ID(), skb.ID(), stored[0].ID)
		}

		// A rotation by one process: after the cache TTL both publish the next key, and from its
		// activation both sign with it; the retired key stays until delete-after.
		next, err := b.Rotate(ctx, pool, keys.RS256)
		if err != nil {
			t.Fatal(err)
		}
		c.Set(c.Now().Add(keys.DefaultCacheTTL))
		ja, _ := a.PublicKeys(ctx, pool)
		jb, _ := b.PublicKeys(ctx, pool)
		if want := []string{stored[0].ID, next.ID}; !slices.Equal(keyIDs(ja), want) || !slices.Equal(keyIDs(jb), want) {
			t.Fatalf("JWKS %v and %v, want %v", keyIDs(ja), keyIDs(jb), want)
		}
		c.Set(next.ActiveFrom)
		ska, _ = a.SigningKey(ctx, pool)
		skb, _ = b.SigningKey(ctx, pool)
		if ska.ID() != next.ID || skb.ID() != next.ID {
			t.Fatalf("after activation processes sign with %s and %s, want %s", ska.ID(), skb.ID(), next.ID)
		}
		if ska.SignatureAlgorithm() != keys.RS256 {
			t.Fatalf("next key algorithm %s, want RS256", ska.SignatureAlgorithm())
		}

		// Times round-trip exactly, and the stored retirement is what the service computed.
		stored, _ = a.Keys(ctx, pool)
		if len(stored) != 2 || !stored[0].RetireAt.Equal(next.ActiveFrom) || !stored[1].ActiveFrom.Equal(next.ActiveFrom) {
			t.Fatalf("stored keys %+v", stored)
		}
		deleteAfter := stored[0].DeleteAfter
		c.Set(deleteAfter.Add(-time.Second))
		if err := b.Maintain(ctx); err != nil {
			t.Fatal(err)
		}
		if ks, _ := a.Keys(ctx, pool); len(ks) != 2 {
			t.Fatalf("retired key deleted before delete-after")
		}
		c.Set(deleteAfter)
		if err := a.Maintain(ctx); err != nil {
			t.Fatal(err)
		}
		c.Set(deleteAfter.Add(keys.DefaultCacheTTL))
		ja, _ = a.PublicKeys(ctx, pool)
		jb, _ = b.PublicKeys(ctx, pool)
		if want := []string{next.ID}; !slices.Equal(keyIDs(ja), want) || !slices.Equal(keyIDs(jb), want) {
			t.Fatalf("JWKS after delete-after %v and %v, want %v", keyIDs(ja), keyIDs(jb), want)
		}
	})
}

// Concurrent scheduled maintenance from several processes schedules one next key.
func TestKeysConcurrentMaintain(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, d storagetest.Database) {
		ctx := context.Background()
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		c := &testClock{t: start}
		sealer, _ := seal.New(d.Key)
		first := d.Open(t)
		var procs []*keys.Service
		for i := range 4 {
			st := first
			if i > 0 {
				st = d.Connect(t, d.Key)
			}
			svc, err := keys.New(st, sealer, keys.Config{Now: c.Now})
			if err != nil {
				t.Fatal(err)
			}
			procs = append(procs, svc)
		}
		const pool = "local_KEYSPOOL2"
		if err := procs[0].EnsureKey(ctx, pool, ""); err != nil {
			t.Fatal(err)
		}
		c.Set(start.Add(keys.DefaultRotationInterval))
		var wg sync.WaitGroup
		errCh := make(chan error, len(procs))
		for _, p := range procs {
			wg.Add(1)
			go func() { defer wg.Done(); errCh <- p.Maintain(ctx) }()
		}
		wg.Wait()
		close(errCh)
		for err := range errCh {
			if err != nil {
				t.Fatalf("Maintain: %v", err)
			}
		}
		if ks, _ := procs[0].Keys(ctx, pool); len(ks) != 2 {
			t.Fatalf("%d keys after concurrent Maintain, want 2", len(ks))
		}
	})
}

// One pool's keys are neither read nor changed through another pool.
func TestKeysScopedToPool(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		sealer, _ := seal.New(seal.NewKey())
		svc, err := keys.New(st, sealer, keys.Config{})
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.EnsureKey(ctx, "local_POOLA0001", ""); err != nil {
			t.Fatal(err)
		}
		ka, _ := st.ListKeys(ctx, "local_POOLA0001")
		if ks, _ := st.ListKeys(ctx, "local_POOLB0001"); len(ks) != 0 {
			t.Fatalf("pool B sees %d keys of pool A", len(ks))
		}
		moved := ka[0]
		moved.RetireAt = time.Now()
		if err := st.UpdateKeyTimes(ctx, "local_POOLB0001", []keys.Key{moved}); err == nil {
			t.Fatal("updating pool A's key through pool B succeeded")
		}
		moved.PoolID = "local_POOLB0001"
		if err := st.UpdateKeyTimes(ctx, "local_POOLB0001", []keys.Key{moved}); err == nil {
			t.Fatal("updating pool A's key id under pool B succeeded")
		}
		if err := st.DeleteKeys(ctx, "local_POOLB0001", []string{ka[0].ID}); err != nil {
			t.Fatal(err)
		}
		after, _ := st.ListKeys(ctx, "local_POOLA0001")
		if len(after) != 1 || !after[0].RetireAt.IsZero() {
			t.Fatalf("pool A's key changed through pool B: %+v", after)
		}
		pools, _ := st.ListKeyPools(ctx)
		if !slices.Equal(pools, []string{"local_POOLA0001"}) {
			t.Fatalf("ListKeyPools %v", pools)
		}
	})
}

// A second key with a taken sequence number is refused with keys.ErrSeqTaken and changes
// nothing, not even the retirement written in the same call.
func TestKeysInsertConflict(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		sealer, _ := seal.New(seal.NewKey())
		svc, err := keys.New(st, sealer, keys.Config{})
		if err != nil {
			t.Fatal(err)
		}
		const pool = "local_KEYSPOOL3"
		if err := svc.EnsureKey(ctx, pool, ""); err != nil {
			t.Fatal(err)
		}
		before, _ := st.ListKeys(ctx, pool)
		dup := before[0]
		dup.ID = "another-kid"
		retire := before[0]
		retire.RetireAt = time.Now()
		retire.DeleteAfter = time.Now().Add(time.Hour)
		if err := st.InsertKey(ctx, dup, []keys.Key{retire}); !errors.Is(err, keys.ErrSeqTaken) {
			t.Fatalf("InsertKey with a taken seq: %v, want %v", err, keys.ErrSeqTaken)
		}
		after, _ := st.ListKeys(ctx, pool)
		if len(after) != 1 || !after[0].RetireAt.IsZero() || !after[0].DeleteAfter.IsZero() {
			t.Fatalf("a refused InsertKey changed the keys: %+v", after)
		}
	})
}

// Deleting a pool deletes its signing keys.
func TestKeysDeletedWithPool(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		sealer, _ := seal.New(seal.NewKey())
		svc, err := keys.New(st, sealer, keys.Config{})
		if err != nil {
			t.Fatal(err)
		}
		const id = "local_KEYSPOOL4"
		if err := st.CreatePool(ctx, &pool.Pool{Id: id, Name: "keys"}); err != nil {
			t.Fatal(err)
		}
		if err := svc.EnsureKey(ctx, id, ""); err != nil {
			t.Fatal(err)
		}
		if err := st.DeletePool(ctx, id); err != nil {
			t.Fatal(err)
		}
		if ks, _ := st.ListKeys(ctx, id); len(ks) != 0 {
			t.Fatalf("%d signing keys left after the pool was deleted", len(ks))
		}
	})
}
