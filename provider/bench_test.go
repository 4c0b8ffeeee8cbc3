package provider_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/token"
)

// The benchmarks report tokens/s through the whole provider over HTTP, next to the raw
// signing rate of the pool's key measured in the same run: the gap is everything that is not
// cryptography (HTTP, JSON, lookups, database writes).

func benchEnv(b *testing.B) *env {
	b.Helper()
	cacheTTL = 0 // the default, as in production
	return newEnv(b, storagetest.SQLite(b))
}

func rate(b *testing.B) { b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tokens/s") }

func benchRawSign(b *testing.B, e *env) {
	sk, err := e.keys.SigningKey(context.Background(), e.pool.Id)
	if err != nil {
		b.Fatal(err)
	}
	claims := token.Claims{"iss": e.issuer(), "sub": "x", "scope": "a/b"}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := token.Sign(sk, claims); err != nil {
				b.Error(err)
				return
			}
		}
	})
	rate(b)
}

func post(b *testing.B, client *http.Client, u string, form url.Values, id, secret string) {
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	resp, err := client.Do(req)
	if err != nil {
		b.Error(err)
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Errorf("status %d", resp.StatusCode)
	}
}

func BenchmarkClientCredentials(b *testing.B) {
	e := benchEnv(b)
	if _, err := e.pools.CreateResourceServer(b.Context(), &pool.ResourceServer{UserPoolId: e.pool.Id, Identifier: "api",
		Name: "api", Scopes: []pool.Scope{{ScopeName: "read", ScopeDescription: "r"}}}); err != nil {
		b.Fatal(err)
	}
	app := e.app(true, func(c *pool.Client) {
		c.AllowedOAuthFlows = []string{pool.FlowClientCredentials}
		c.AllowedOAuthScopes = []string{"api/read"}
		c.CallbackURLs, c.LogoutURLs = nil, nil
	})
	b.Run("raw-sign", func(b *testing.B) { benchRawSign(b, e) })
	b.Run("token", func(b *testing.B) {
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
		form := url.Values{"grant_type": {"client_credentials"}, "scope": {"api/read"}}
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				post(b, client, e.issuer()+"/oauth2/token", form, app.ClientId, app.ClientSecret)
			}
		})
		rate(b)
	})
}

func BenchmarkRefresh(b *testing.B) {
	e := benchEnv(b)
	app := e.app(true, nil)
	u := e.user("bench")
	code := e.codeFor(&testing.T{}, app, u.Sub, nil)
	st, out := e.redeem(app, code, nil)
	if st != http.StatusOK {
		b.Fatalf("redeem: %d %v", st, out)
	}
	refresh := out["refresh_token"].(string)
	b.Run("raw-sign", func(b *testing.B) { benchRawSign(b, e) })
	b.Run("token", func(b *testing.B) {
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				post(b, client, e.issuer()+"/oauth2/token", form, app.ClientId, app.ClientSecret)
			}
		})
		rate(b)
	})
}

// BenchmarkDiscovery and BenchmarkJWKS report the requests/s of the two public documents, which
// relying parties fetch often (the target is at least 10,000/s on two cores).
func BenchmarkDiscovery(b *testing.B) { benchGet(b, "/.well-known/openid-configuration") }

func BenchmarkJWKS(b *testing.B) { benchGet(b, "/.well-known/jwks.json") }

func benchGet(b *testing.B, path string) {
	e := benchEnv(b)
	u := e.issuer() + path
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	if resp, err := client.Get(u); err == nil { // the pool's first key is made here, not timed
		resp.Body.Close()
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Get(u)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "requests/s")
}
