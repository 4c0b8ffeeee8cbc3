package token_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/keys"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/seal"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/token"
)

const poolID = "local_TESTPOOL1"

type fixture struct {
	keys     *keys.Service
	verifier *token.Verifier
	now      time.Time
}

func newFixture(t testing.TB, alg jose.SignatureAlgorithm) *fixture {
	t.Helper()
	sealer, err := seal.New(seal.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{now: issuedAt}
	// A real store: keys sign only for pools that exist.
	store := storagetest.Open(t)
	if err := store.CreatePool(context.Background(), &pool.Pool{Id: poolID, Name: "test"}); err != nil {
		t.Fatal(err)
	}
	f.keys, err = keys.New(store, sealer, keys.Config{Algorithm: alg, PrePublication: 10 * time.Minute, Now: func() time.Time { return f.now }})
	if err != nil {
		t.Fatal(err)
	}
	f.verifier = &token.Verifier{Keys: f.keys, Now: func() time.Time { return f.now }}
	return f
}

func (f *fixture) accessToken(t *testing.T) string {
	t.Helper()
	c, err := token.AccessToken(token.AccessTokenInput{
		Issuer: issuer, ClientID: clientID, User: alice(), Scopes: []string{"openid", "email"},
		AuthTime: authTime, IssuedAt: issuedAt, Lifetime: time.Hour, JTI: token.NewJTI(),
	})
	if err != nil {
		t.Fatal(err)
	}
	key, err := f.keys.SigningKey(context.Background(), poolID)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := token.Sign(key, c)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestSignAndVerify(t *testing.T) {
	for _, alg := range []jose.SignatureAlgorithm{keys.RS256, keys.ES256} {
		t.Run(string(alg), func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t, alg)
			raw := f.accessToken(t)

			jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{alg})
			if err != nil {
				t.Fatal(err)
			}
			key, _ := f.keys.SigningKey(ctx, poolID)
			if h := jws.Signatures[0].Header; h.KeyID != key.ID() || h.ExtraHeaders["typ"] != "JWT" {
				t.Fatalf("header %+v, want kid %s and typ JWT", h, key.ID())
			}

			c, err := f.verifier.Verify(ctx, poolID, issuer, raw, token.UseAccess)
			if err != nil {
				t.Fatal(err)
			}
			if c.String("username") != "alice" || !slices.Equal(c.Scopes(), []string{"openid", "email"}) ||
				!c.Time("exp").Equal(issuedAt.Add(time.Hour)) || !c.Time("auth_time").Equal(authTime) {
				t.Fatalf("claims %v", c)
			}

			// The ID token's at_hash for this access token.
			atHash, err := token.AtHash(raw, key.SignatureAlgorithm())
			if err != nil || len(atHash) != 22 {
				t.Fatalf("at_hash %q %v, want 16 bytes base64url", atHash, err)
			}
		})
	}
}

// A token signed before a rotation still verifies after it.
func TestVerifyAcrossRotation(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, keys.RS256)
	raw := f.accessToken(t)
	next, err := f.keys.Rotate(ctx, poolID, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.verifier.Verify(ctx, poolID, issuer, raw, token.UseAccess); err != nil {
		t.Fatal(err)
	}
	f.now = next.ActiveFrom.Add(time.Minute)
	if k, _ := f.keys.SigningKey(ctx, poolID); k.ID() != next.ID {
		t.Fatalf("still signing with %s", k.ID())
	}
	if _, err := f.verifier.Verify(ctx, poolID, issuer, raw, token.UseAccess); err != nil {
		t.Fatalf("token signed before rotation: %v", err)
	}
}

func TestVerifyRejects(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, keys.RS256)
	raw := f.accessToken(t)
	other := newFixture(t, keys.RS256).accessToken(t) // signed by another pool's key store

	parts := strings.Split(raw, ".")
	tampered := parts[0] + "." + strings.TrimRight(parts[1], "A") + "B." + parts[2]

	for _, tc := range []struct {
		name, pool, issuer, raw, use, message string
		now                                   time.Time
	}{
		{"garbage", poolID, issuer, "not.a.jwt", token.UseAccess, "Invalid Access Token", issuedAt},
		{"unsigned", poolID, issuer, "eyJhbGciOiJub25lIn0.e30.", token.UseAccess, "Invalid Access Token", issuedAt},
		{"tampered", poolID, issuer, tampered, token.UseAccess, "Invalid Access Token", issuedAt},
		{"unknown key", poolID, issuer, other, token.UseAccess, "Invalid Access Token", issuedAt},
		{"other pool", "local_OTHERPOOL", issuer, raw, token.UseAccess, "Invalid Access Token", issuedAt},
		{"wrong issuer", poolID, issuer + "x", raw, token.UseAccess, "Invalid Access Token", issuedAt},
		{"ID token expected", poolID, issuer, raw, token.UseID, "Invalid ID Token", issuedAt},
		{"expired", poolID, issuer, raw, token.UseAccess, "Access Token has expired", issuedAt.Add(time.Hour)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.now = tc.now
			_, err := f.verifier.Verify(ctx, tc.pool, tc.issuer, tc.raw, tc.use)
			e, ok := errs.As(err)
			if !ok || e.Code != errs.NotAuthorized || e.Message != tc.message {
				t.Fatalf("Verify: %v, want %s %q", err, errs.NotAuthorized, tc.message)
			}
		})
	}
	f.now = issuedAt
	if _, err := f.verifier.Verify(ctx, poolID, issuer, raw, "refresh"); err == nil || errs.Is(err, errs.NotAuthorized) {
		t.Fatalf("unknown token use: %v, want a plain error", err)
	}
}

// The algorithm in the header must be the key's: an ES256 header on an RS256 key is refused.
func TestVerifyAlgorithmMismatch(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, keys.RS256)
	key, _ := f.keys.SigningKey(ctx, poolID)
	jwks, _ := f.keys.PublicKeys(ctx, poolID)
	if len(jwks) != 1 || jwks[0].KeyID != key.ID() {
		t.Fatal("unexpected JWKS")
	}
	es := newFixture(t, keys.ES256)
	esKey, _ := es.keys.SigningKey(ctx, poolID)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: keys.ES256, Key: jose.JSONWebKey{Key: esKey.Key(), KeyID: key.ID()}}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	c := must(token.ClientCredentials(token.ClientCredentialsInput{Issuer: issuer, ClientID: clientID, Scopes: []string{"a/b"}, IssuedAt: issuedAt, Lifetime: time.Hour, JTI: "j"}))
	jws, err := signer.Sign([]byte(mustJSON(t, c)))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := jws.CompactSerialize()
	if _, err := f.verifier.Verify(ctx, poolID, issuer, raw, token.UseAccess); !errs.Is(err, errs.NotAuthorized) {
		t.Fatalf("ES256 header on an RS256 kid: %v, want NotAuthorized", err)
	}
}

func TestAtHash(t *testing.T) {
	// The example of OpenID Connect Core's errata (A.3): access token and its at_hash.
	got, err := token.AtHash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y", jose.RS256)
	if err != nil || got != "77QmUPtjPfzWtF2AnpK9RQ" {
		t.Fatalf("AtHash = %q %v, want 77QmUPtjPfzWtF2AnpK9RQ", got, err)
	}
	if _, err := token.AtHash("x", "none"); err == nil {
		t.Fatal("AtHash with alg none: no error")
	}
}

type failingKeys struct{}

func (failingKeys) PublicKey(context.Context, string, string) (jose.JSONWebKey, bool, error) {
	return jose.JSONWebKey{}, false, errors.New("database down")
}

func TestVerifyKeyStoreFailure(t *testing.T) {
	f := newFixture(t, keys.RS256)
	raw := f.accessToken(t)
	v := &token.Verifier{Keys: failingKeys{}}
	if _, err := v.Verify(context.Background(), poolID, issuer, raw, token.UseAccess); err == nil || errs.Is(err, errs.NotAuthorized) {
		t.Fatalf("key store failure: %v, want it passed on, not NotAuthorized", err)
	}
}

// BenchmarkSign measures the raw signing rate per algorithm (one JWS per op), the figure
// issue 4's token throughput is compared with.
func BenchmarkSign(b *testing.B) {
	for _, alg := range []jose.SignatureAlgorithm{keys.RS256, keys.ES256} {
		b.Run(string(alg), func(b *testing.B) {
			f := newFixture(b, alg)
			key, err := f.keys.SigningKey(context.Background(), poolID)
			if err != nil {
				b.Fatal(err)
			}
			c := must(token.ClientCredentials(token.ClientCredentialsInput{
				Issuer: issuer, ClientID: clientID, Scopes: []string{"orders/read"},
				IssuedAt: issuedAt, Lifetime: time.Hour, JTI: token.NewJTI(),
			}))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := token.Sign(key, c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
