package keys_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/keys"
	"github.com/userpool/userpool/seal"
)

// memStore is an in-memory keys.Store, a test double of keys' own interface so the rotation
// logic can be tested without a database; storage's tests run the same scenarios on SQLite and
// PostgreSQL.
type memStore struct {
	mu   sync.Mutex
	keys []keys.Key
}

func (m *memStore) InsertKey(_ context.Context, k keys.Key, retire []keys.Key) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, have := range m.keys {
		if have.PoolID == k.PoolID && have.Seq == k.Seq {
			return keys.ErrSeqTaken
		}
	}
	m.keys = append(m.keys, k)
	m.setTimes(k.PoolID, retire)
	return nil
}

func (m *memStore) setTimes(poolID string, update []keys.Key) {
	for _, u := range update {
		for i := range m.keys {
			if m.keys[i].PoolID == poolID && m.keys[i].ID == u.ID {
				m.keys[i].ActiveFrom, m.keys[i].RetireAt, m.keys[i].DeleteAfter = u.ActiveFrom, u.RetireAt, u.DeleteAfter
			}
		}
	}
}

func (m *memStore) ListKeys(_ context.Context, poolID string) ([]keys.Key, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []keys.Key
	for _, k := range m.keys {
		if k.PoolID == poolID {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b keys.Key) int { return int(a.Seq - b.Seq) })
	return out, nil
}

func (m *memStore) UpdateKeyTimes(_ context.Context, poolID string, update []keys.Key) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.setTimes(poolID, update)
	return nil
}

func (m *memStore) DeleteKeys(_ context.Context, poolID string, ids []string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.keys = slices.DeleteFunc(m.keys, func(k keys.Key) bool { return k.PoolID == poolID && slices.Contains(ids, k.ID) })
	return nil
}

func (m *memStore) ListKeyPools(context.Context) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, k := range m.keys {
		if !slices.Contains(out, k.PoolID) {
			out = append(out, k.PoolID)
		}
	}
	return out, nil
}

// clock is a settable test clock shared by several services.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

const pool = "local_TESTPOOL1"

func newSealer(t testing.TB) *seal.Sealer {
	t.Helper()
	s, err := seal.New(seal.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newService(t testing.TB, store keys.Store, sealer *seal.Sealer, c *clock, cfg keys.Config) *keys.Service {
	t.Helper()
	cfg.Now = c.Now
	svc, err := keys.New(store, sealer, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func kids(jwks []jose.JSONWebKey) []string {
	var out []string
	for _, k := range jwks {
		out = append(out, k.KeyID)
	}
	return out
}

func sign(t *testing.T, sk *keys.SigningKey, payload string) string {
	t.Helper()
	jws, err := sk.Signer().Sign([]byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// verifies reports whether raw verifies against the pool's JWKS now.
func verifies(t *testing.T, svc *keys.Service, raw string) bool {
	t.Helper()
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{keys.RS256, keys.ES256})
	if err != nil {
		t.Fatal(err)
	}
	jwk, ok, err := svc.PublicKey(context.Background(), pool, jws.Signatures[0].Header.KeyID)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		return false
	}
	_, err = jws.Verify(jwk)
	return err == nil
}

func TestRotationTimeline(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: t0}
	svc := newService(t, &memStore{}, newSealer(t), c, keys.Config{})

	// The first key of a pool signs at once.
	first, err := svc.SigningKey(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	if first.SignatureAlgorithm() != keys.RS256 {
		t.Fatalf("default algorithm %s, want RS256", first.SignatureAlgorithm())
	}
	jwks, _ := svc.PublicKeys(ctx, pool)
	if got := kids(jwks); !slices.Equal(got, []string{first.ID()}) {
		t.Fatalf("JWKS %v, want [%s]", got, first.ID())
	}
	old := sign(t, first, `{"sub":"before rotation"}`)

	// Rotation publishes the next key at once; it signs only after the pre-publication period.
	c.Set(t0.Add(10 * 24 * time.Hour))
	next, err := svc.Rotate(ctx, pool, "")
	if err != nil {
		t.Fatal(err)
	}
	if want := c.Now().Add(keys.DefaultPrePublication); !next.ActiveFrom.Equal(want) {
		t.Fatalf("next key active from %s, want %s", next.ActiveFrom, want)
	}
	jwks, _ = svc.PublicKeys(ctx, pool)
	if got := kids(jwks); !slices.Equal(got, []string{first.ID(), next.ID}) {
		t.Fatalf("JWKS after rotation %v, want [%s %s]", got, first.ID(), next.ID)
	}
	if sk, _ := svc.SigningKey(ctx, pool); sk.ID() != first.ID() {
		t.Fatalf("signing with %s during pre-publication, want the old key %s", sk.ID(), first.ID())
	}

	// After the pre-publication period the next key signs; the old token still verifies.
	switchAt := next.ActiveFrom
	c.Set(switchAt.Add(-time.Nanosecond))
	if sk, _ := svc.SigningKey(ctx, pool); sk.ID() != first.ID() {
		t.Fatalf("signing with %s just before the switch, want %s", sk.ID(), first.ID())
	}
	c.Set(switchAt)
	if sk, _ := svc.SigningKey(ctx, pool); sk.ID() != next.ID {
		t.Fatalf("signing with %s after the switch, want %s", sk.ID(), next.ID)
	}
	if !verifies(t, svc, old) {
		t.Fatal("a token signed before the rotation no longer verifies after it")
	}

	// The retired key stays published until every token it signed has expired.
	deleteAfter := switchAt.Add(keys.DefaultMaxTokenLifetime + keys.DefaultCacheTTL)
	c.Set(deleteAfter.Add(-time.Second))
	if err := svc.Maintain(ctx); err != nil {
		t.Fatal(err)
	}
	if !verifies(t, svc, old) {
		t.Fatal("retired key left the JWKS before delete-after")
	}
	c.Set(deleteAfter)
	if err := svc.Maintain(ctx); err != nil {
		t.Fatal(err)
	}
	jwks, _ = svc.PublicKeys(ctx, pool)
	if got := kids(jwks); !slices.Equal(got, []string{next.ID}) {
		t.Fatalf("JWKS after delete-after %v, want [%s]", got, next.ID)
	}
	if verifies(t, svc, old) {
		t.Fatal("a token of a deleted key still verifies")
	}
	stored, _ := svc.Keys(ctx, pool)
	if len(stored) != 1 {
		t.Fatalf("%d keys stored after Maintain, want 1 (the retired key deleted)", len(stored))
	}
}

func TestScheduledRotation(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: t0}
	cfg := keys.Config{RotationInterval: 30 * 24 * time.Hour, PrePublication: 2 * time.Hour}
	svc := newService(t, &memStore{}, newSealer(t), c, cfg)
	if err := svc.EnsureKey(ctx, pool, ""); err != nil {
		t.Fatal(err)
	}
	first, _ := svc.SigningKey(ctx, pool)
	due := t0.Add(cfg.RotationInterval)

	c.Set(due.Add(-cfg.PrePublication - time.Second))
	if err := svc.Maintain(ctx); err != nil {
		t.Fatal(err)
	}
	if ks, _ := svc.Keys(ctx, pool); len(ks) != 1 {
		t.Fatalf("%d keys before the rotation is due, want 1", len(ks))
	}

	c.Set(due.Add(-cfg.PrePublication))
	for range 3 { // repeated ticks schedule one next key
		if err := svc.Maintain(ctx); err != nil {
			t.Fatal(err)
		}
	}
	ks, _ := svc.Keys(ctx, pool)
	if len(ks) != 2 {
		t.Fatalf("%d keys after the rotation is due, want 2", len(ks))
	}
	next := ks[1]
	if !next.ActiveFrom.Equal(due) || !next.PublishFrom.Equal(c.Now()) {
		t.Fatalf("next key publish %s active %s, want %s and %s", next.PublishFrom, next.ActiveFrom, c.Now(), due)
	}
	jwks, _ := svc.PublicKeys(ctx, pool)
	if got := kids(jwks); !slices.Contains(got, next.ID) {
		t.Fatalf("JWKS %v does not show the next key %s before it signs", got, next.ID)
	}
	if sk, _ := svc.SigningKey(ctx, pool); sk.ID() != first.ID() {
		t.Fatalf("next key signs before it is due")
	}
	c.Set(due)
	if sk, _ := svc.SigningKey(ctx, pool); sk.ID() != next.ID {
		t.Fatalf("signing with %s when due, want %s", sk.ID(), next.ID)
	}
	if next.Algorithm != keys.RS256 {
		t.Fatalf("scheduled key algorithm %s, want the current key's RS256", next.Algorithm)
	}
}

func TestOverdueScheduledRotationStillPrePublishes(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: t0}
	svc := newService(t, &memStore{}, newSealer(t), c, keys.Config{})
	if err := svc.EnsureKey(ctx, pool, keys.ES256); err != nil {
		t.Fatal(err)
	}
	c.Set(t0.Add(400 * 24 * time.Hour)) // no Maintain ran for more than a year
	if err := svc.Maintain(ctx); err != nil {
		t.Fatal(err)
	}
	ks, _ := svc.Keys(ctx, pool)
	if len(ks) != 2 || !ks[1].ActiveFrom.Equal(c.Now().Add(keys.DefaultPrePublication)) {
		t.Fatalf("overdue rotation: keys %+v, want a next key active after the pre-publication period", ks)
	}
	if ks[1].Algorithm != keys.ES256 {
		t.Fatalf("scheduled key algorithm %s, want ES256 like the current key", ks[1].Algorithm)
	}
}

func TestRotateTwicePromotes(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: t0}
	svc := newService(t, &memStore{}, newSealer(t), c, keys.Config{})
	first, err := svc.SigningKey(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	c.Set(t0.Add(time.Minute))
	next, err := svc.Rotate(ctx, pool, keys.ES256)
	if err != nil {
		t.Fatal(err)
	}
	if next.Algorithm != keys.ES256 {
		t.Fatalf("rotated to %s, want ES256", next.Algorithm)
	}
	c.Set(t0.Add(2 * time.Minute))
	promoted, err := svc.Rotate(ctx, pool, "")
	if err != nil {
		t.Fatal(err)
	}
	if promoted.ID != next.ID || !promoted.ActiveFrom.Equal(c.Now()) {
		t.Fatalf("second Rotate returned %s active %s, want %s promoted now", promoted.ID, promoted.ActiveFrom, next.ID)
	}
	sk, _ := svc.SigningKey(ctx, pool)
	if sk.ID() != next.ID {
		t.Fatalf("signing with %s after promotion, want %s", sk.ID(), next.ID)
	}
	ks, _ := svc.Keys(ctx, pool)
	if len(ks) != 2 || ks[0].ID != first.ID() || !ks[0].RetireAt.Equal(c.Now()) {
		t.Fatalf("old key not retired at promotion: %+v", ks[0])
	}
	jwks, _ := svc.PublicKeys(ctx, pool)
	if len(jwks) != 2 {
		t.Fatalf("JWKS has %d keys after promotion, want both", len(jwks))
	}
}

func TestAlgorithms(t *testing.T) {
	for _, tc := range []struct {
		alg     jose.SignatureAlgorithm
		keyType func(any) bool
	}{
		{keys.RS256, func(k any) bool { p, ok := k.(*rsa.PrivateKey); return ok && p.N.BitLen() == 2048 }},
		{keys.ES256, func(k any) bool { p, ok := k.(*ecdsa.PrivateKey); return ok && p.Curve.Params().Name == "P-256" }},
	} {
		t.Run(string(tc.alg), func(t *testing.T) {
			ctx := context.Background()
			c := &clock{t: t0}
			svc := newService(t, &memStore{}, newSealer(t), c, keys.Config{})
			if err := svc.EnsureKey(ctx, pool, tc.alg); err != nil {
				t.Fatal(err)
			}
			sk, err := svc.SigningKey(ctx, pool)
			if err != nil {
				t.Fatal(err)
			}
			if sk.SignatureAlgorithm() != tc.alg || !tc.keyType(sk.Key()) {
				t.Fatalf("key %s %T, want %s", sk.SignatureAlgorithm(), sk.Key(), tc.alg)
			}
			raw := sign(t, sk, `{"sub":"x"}`)
			jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{tc.alg})
			if err != nil {
				t.Fatal(err)
			}
			h := jws.Signatures[0].Header
			if h.KeyID != sk.ID() || h.ExtraHeaders["typ"] != "JWT" || h.Algorithm != string(tc.alg) {
				t.Fatalf("header %+v, want kid %s, typ JWT, alg %s", h, sk.ID(), tc.alg)
			}
			if !verifies(t, svc, raw) {
				t.Fatal("signature does not verify against the JWKS")
			}
			jwks, _ := svc.PublicKeys(ctx, pool)
			if len(jwks) != 1 || !jwks[0].IsPublic() || jwks[0].Algorithm != string(tc.alg) || jwks[0].Use != "sig" {
				t.Fatalf("JWKS %+v, want one public %s signing key", jwks, tc.alg)
			}
			// Decrypted once: the same key object serves every request.
			again, _ := svc.SigningKey(ctx, pool)
			if again != sk {
				t.Fatal("signing key decrypted again on the second request")
			}
		})
	}
}

func TestPrivateKeySealed(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: t0}
	store := &memStore{}
	svc := newService(t, store, newSealer(t), c, keys.Config{})
	if _, err := svc.SigningKey(ctx, pool); err != nil {
		t.Fatal(err)
	}
	stored, _ := store.ListKeys(ctx, pool)
	row := stored[0]
	if strings.Contains(row.SealedPrivateKey, "PRIVATE") || strings.Contains(row.PublicJWK, `"d"`) {
		t.Fatal("private key material stored in the clear")
	}

	// Another master key cannot open it.
	other := newService(t, store, newSealer(t), c, keys.Config{})
	if _, err := other.SigningKey(ctx, pool); !errors.Is(err, seal.ErrWrongKey) {
		t.Fatalf("SigningKey with another master key: %v, want %v", err, seal.ErrWrongKey)
	}

	// A sealed key copied to another pool cannot be opened there: the seal is bound to pool and kid.
	moved := row
	moved.PoolID = "local_OTHERPOOL"
	if err := store.InsertKey(ctx, moved, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SigningKey(ctx, "local_OTHERPOOL"); !errors.Is(err, seal.ErrWrongKey) {
		t.Fatalf("SigningKey of a key moved to another pool: %v, want %v", err, seal.ErrWrongKey)
	}
}

func TestServicesShareKeys(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: t0}
	store := &memStore{}
	sealer := newSealer(t)
	a := newService(t, store, sealer, c, keys.Config{})
	b := newService(t, store, sealer, c, keys.Config{})

	// Concurrent first use from many "processes" creates one key.
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(2)
		go func() { defer wg.Done(); _ = a.EnsureKey(ctx, pool, "") }()
		go func() { defer wg.Done(); _, _ = b.SigningKey(ctx, pool) }()
	}
	wg.Wait()
	if ks, _ := store.ListKeys(ctx, pool); len(ks) != 1 {
		t.Fatalf("%d keys after concurrent first use, want 1", len(ks))
	}
	ska, _ := a.SigningKey(ctx, pool)
	skb, _ := b.SigningKey(ctx, pool)
	if ska.ID() != skb.ID() {
		t.Fatalf("processes sign with %s and %s, want one key", ska.ID(), skb.ID())
	}

	// A rotation made by one process shows in the other's JWKS within the cache TTL, long
	// before the next key signs.
	next, err := a.Rotate(ctx, pool, "")
	if err != nil {
		t.Fatal(err)
	}
	c.Set(t0.Add(keys.DefaultCacheTTL))
	ja, _ := a.PublicKeys(ctx, pool)
	jb, _ := b.PublicKeys(ctx, pool)
	if !slices.Equal(kids(ja), kids(jb)) || !slices.Contains(kids(jb), next.ID) {
		t.Fatalf("JWKS differ: %v and %v (next key %s)", kids(ja), kids(jb), next.ID)
	}
	c.Set(next.ActiveFrom)
	ska, _ = a.SigningKey(ctx, pool)
	skb, _ = b.SigningKey(ctx, pool)
	if ska.ID() != next.ID || skb.ID() != next.ID {
		t.Fatalf("after the switch processes sign with %s and %s, want %s", ska.ID(), skb.ID(), next.ID)
	}
}

func TestPublicKeyReloadsOnUnknownKid(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: t0}
	store := &memStore{}
	sealer := newSealer(t)
	a := newService(t, store, sealer, c, keys.Config{})
	b := newService(t, store, sealer, c, keys.Config{})
	if _, err := b.SigningKey(ctx, pool); err != nil { // b caches the pool's keys
		t.Fatal(err)
	}
	if _, err := a.Rotate(ctx, pool, ""); err != nil {
		t.Fatal(err)
	}
	promoted, err := a.Rotate(ctx, pool, "") // emergency: signs now
	if err != nil {
		t.Fatal(err)
	}
	c.Set(t0.Add(2 * time.Second)) // within b's cache TTL
	if _, ok, err := b.PublicKey(ctx, pool, promoted.ID); err != nil || !ok {
		t.Fatalf("b does not find the promoted key %s: ok=%v err=%v", promoted.ID, ok, err)
	}
	if _, ok, _ := b.PublicKey(ctx, pool, "no-such-kid"); ok {
		t.Fatal("unknown kid found")
	}
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: t0}
	store := &memStore{}
	svc := newService(t, store, newSealer(t), c, keys.Config{})
	for name, err := range map[string]error{
		"EnsureKey no pool":   svc.EnsureKey(ctx, "", ""),
		"EnsureKey bad alg":   svc.EnsureKey(ctx, pool, "HS256"),
		"Rotate no pool":      func() error { _, err := svc.Rotate(ctx, "", ""); return err }(),
		"Rotate bad alg":      func() error { _, err := svc.Rotate(ctx, pool, "none"); return err }(),
		"SigningKey no pool":  func() error { _, err := svc.SigningKey(ctx, ""); return err }(),
		"PublicKeys no pool":  func() error { _, err := svc.PublicKeys(ctx, ""); return err }(),
		"Keys no pool":        func() error { _, err := svc.Keys(ctx, ""); return err }(),
		"PublicKey no pool":   func() error { _, _, err := svc.PublicKey(ctx, "", "kid"); return err }(),
		"EnsureKey alg RS512": svc.EnsureKey(ctx, pool, jose.RS512),
	} {
		if !errs.Is(err, errs.InvalidParameter) {
			t.Errorf("%s: %v, want %s", name, err, errs.InvalidParameter)
		}
	}
	if pools, _ := store.ListKeyPools(ctx); len(pools) != 0 {
		t.Fatalf("bad input created keys for %v", pools)
	}
	jwks, err := svc.PublicKeys(ctx, "local_NOKEYS")
	if err != nil || len(jwks) != 0 {
		t.Fatalf("JWKS of a pool without keys: %v %v, want empty", jwks, err)
	}
	if pools, _ := store.ListKeyPools(ctx); len(pools) != 0 {
		t.Fatal("reading the JWKS created a key")
	}
}

func TestConfig(t *testing.T) {
	sealer := newSealer(t)
	for name, cfg := range map[string]keys.Config{
		"bad algorithm":                   {Algorithm: "HS256"},
		"pre-publication below cache TTL": {PrePublication: 10 * time.Second},
		"interval below pre-publication":  {RotationInterval: 30 * time.Minute},
		"negative lifetime":               {MaxTokenLifetime: -time.Hour},
	} {
		if _, err := keys.New(&memStore{}, sealer, cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := keys.New(nil, sealer, keys.Config{}); err == nil {
		t.Error("nil store: no error")
	}
	svc, err := keys.New(&memStore{}, sealer, keys.Config{})
	if err != nil {
		t.Fatal(err)
	}
	// Half of (1 h pre-publication - 30 s cache TTL).
	if got, want := svc.JWKSCacheControl(), "public, max-age=1785"; got != want {
		t.Fatalf("JWKSCacheControl %q, want %q", got, want)
	}
}

func TestNoScheduledRotationWhenDisabled(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: t0}
	svc := newService(t, &memStore{}, newSealer(t), c, keys.Config{RotationInterval: -1})
	if err := svc.EnsureKey(ctx, pool, ""); err != nil {
		t.Fatal(err)
	}
	c.Set(t0.Add(1000 * 24 * time.Hour))
	if err := svc.Maintain(ctx); err != nil {
		t.Fatal(err)
	}
	if ks, _ := svc.Keys(ctx, pool); len(ks) != 1 {
		t.Fatalf("%d keys with scheduled rotation off, want 1", len(ks))
	}
}

func BenchmarkSigningKeyCached(b *testing.B) {
	ctx := context.Background()
	svc := newService(b, &memStore{}, newSealer(b), &clock{t: t0}, keys.Config{})
	if _, err := svc.SigningKey(ctx, pool); err != nil {
		b.Fatal(err)
	}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := svc.SigningKey(ctx, pool); err != nil {
				b.Fatal(err)
			}
		}
	})
}
