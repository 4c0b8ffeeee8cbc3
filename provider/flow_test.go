package provider_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/token"
)

// rp is a relying party: x/oauth2 for the flow and go-oidc to verify what it gets.
type rp struct {
	e        *env
	cfg      oauth2.Config
	verifier *oidc.IDTokenVerifier
	provider *oidc.Provider
}

func (e *env) rp(c *pool.Client, style oauth2.AuthStyle) *rp {
	e.t.Helper()
	ctx := context.Background()
	op, err := oidc.NewProvider(ctx, e.issuer())
	if err != nil {
		e.t.Fatalf("discovery: %v", err)
	}
	return &rp{e: e, provider: op, verifier: op.Verifier(&oidc.Config{ClientID: c.ClientId}),
		cfg: oauth2.Config{ClientID: c.ClientId, ClientSecret: c.ClientSecret, Endpoint: oauth2.Endpoint{
			AuthURL: op.Endpoint().AuthURL, TokenURL: op.Endpoint().TokenURL, AuthStyle: style},
			RedirectURL: c.CallbackURLs[0], Scopes: []string{"openid", "email", "profile"}}}
}

// login runs the authorization code flow for sub (with PKCE when pkce) and returns the tokens.
func (r *rp) login(t *testing.T, sub string, pkce bool) (*oauth2.Token, *oidc.IDToken) {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	opts := []oauth2.AuthCodeOption{oidc.Nonce("n-0S6_WzA2Mj")}
	if pkce {
		opts = append(opts, oauth2.S256ChallengeOption(verifier))
	}
	resp, err := r.e.browser.Get(r.cfg.AuthCodeURL("xyz", opts...))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back := r.e.signIn(resp, sub)
	q := back.Query()
	if q.Get("state") != "xyz" || q.Get("iss") != r.e.issuer() || q.Get("code") == "" {
		t.Fatalf("authorization response %s: want code, state and iss", back)
	}
	var exOpts []oauth2.AuthCodeOption
	if pkce {
		exOpts = append(exOpts, oauth2.VerifierOption(verifier))
	}
	tok, err := r.cfg.Exchange(context.Background(), q.Get("code"), exOpts...)
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := r.verifier.Verify(context.Background(), raw)
	if err != nil {
		t.Fatalf("verify ID token: %v", err)
	}
	if idt.Nonce != "n-0S6_WzA2Mj" {
		t.Errorf("nonce = %q", idt.Nonce)
	}
	if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
		t.Errorf("at_hash: %v", err)
	}
	return tok, idt
}

// refresh uses a refresh token once.
func (r *rp) refresh(refreshToken string) (*oauth2.Token, error) {
	return r.cfg.TokenSource(context.Background(), &oauth2.Token{RefreshToken: refreshToken, Expiry: time.Unix(1, 0)}).Token()
}

// userInfo calls userInfo with an access token and returns the status and body.
func (e *env) userInfo(accessToken string) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.issuer()+"/oauth2/userInfo", nil)
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func decode(t *testing.T, resp *http.Response) map[string]any {
	t.Helper()
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%d %s: %v", resp.StatusCode, b, err)
	}
	return out
}

func TestCodeFlowPublicPKCE(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, db storagetest.Database) {
		e := newEnv(t, db)
		app := e.app(false, nil)
		alice := e.user("alice")
		r := e.rp(app, oauth2.AuthStyleInParams)
		tok, idt := r.login(t, alice.Sub, true)
		var claims map[string]any
		_ = idt.Claims(&claims)
		if claims["email"] != "alice@example.com" || claims["token_use"] != "id" || claims["cognito:username"] != "alice" {
			t.Errorf("ID token claims %v", claims)
		}
		if tok.RefreshToken == "" {
			t.Fatal("no refresh token on the code exchange")
		}
		if s, _ := tok.Extra("scope").(string); strings.Contains(s, "offline_access") {
			t.Errorf("scope %q", s)
		}
		// userInfo through go-oidc.
		ui, err := r.provider.UserInfo(context.Background(), oauth2.StaticTokenSource(tok))
		if err != nil || ui.Subject != alice.Sub || ui.Email != "alice@example.com" {
			t.Fatalf("userInfo %+v, %v", ui, err)
		}
		// And by POST, with the token in the body (RFC 6750 section 2.2).
		resp := e.postForm("/oauth2/userInfo", url.Values{"access_token": {tok.AccessToken}}, "", "")
		if body := decode(t, resp); resp.StatusCode != http.StatusOK || body["sub"] != alice.Sub {
			t.Errorf("userInfo by POST: %d %v", resp.StatusCode, body)
		}
		// Refresh without rotation (Cognito's default): the same refresh token keeps working.
		for range 2 {
			next, err := r.refresh(tok.RefreshToken)
			if err != nil {
				t.Fatalf("refresh: %v", err)
			}
			if next.RefreshToken != tok.RefreshToken {
				t.Errorf("refresh token changed without rotation")
			}
			if _, err := r.verifier.Verify(context.Background(), next.Extra("id_token").(string)); err != nil {
				t.Errorf("refreshed ID token: %v", err)
			}
		}
		// Revoke (public client: client_id only) ends the family: refresh and userInfo fail.
		resp = e.postForm("/oauth2/revoke", url.Values{"token": {tok.RefreshToken}, "client_id": {app.ClientId}}, "", "")
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("revoke: %d", resp.StatusCode)
		}
		if _, err := r.refresh(tok.RefreshToken); err == nil {
			t.Error("refresh after revoke succeeded")
		}
		if st, body := e.userInfo(tok.AccessToken); st != http.StatusUnauthorized {
			t.Errorf("userInfo after revoke: %d %v", st, body)
		}
	})
}

func TestCodeFlowConfidential(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, db storagetest.Database) {
		e := newEnv(t, db)
		app := e.app(true, nil)
		bob := e.user("bob")
		for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams} {
			r := e.rp(app, style)
			tok, _ := r.login(t, bob.Sub, false)
			if st, body := e.userInfo(tok.AccessToken); st != http.StatusOK || body["sub"] != bob.Sub {
				t.Errorf("userInfo: %d %v", st, body)
			}
			// Introspection by the confidential client.
			in := decode(t, e.postForm("/oauth2/introspect", url.Values{"token": {tok.AccessToken}}, app.ClientId, app.ClientSecret))
			if in["active"] != true || in["username"] != "bob" {
				t.Errorf("introspect access token: %v", in)
			}
			in = decode(t, e.postForm("/oauth2/introspect", url.Values{"token": {tok.RefreshToken}}, app.ClientId, app.ClientSecret))
			if in["active"] != true || in["token_type"] != "refresh_token" {
				t.Errorf("introspect refresh token: %v", in)
			}
			in = decode(t, e.postForm("/oauth2/introspect", url.Values{"token": {"nonsense"}}, app.ClientId, app.ClientSecret))
			if in["active"] != false {
				t.Errorf("introspect junk: %v", in)
			}
		}
		// A wrong secret is invalid_client, with either method.
		bad := e.rp(app, oauth2.AuthStyleInHeader)
		bad.cfg.ClientSecret = "wrong"
		if _, err := bad.cfg.Exchange(context.Background(), "x"); err == nil || !strings.Contains(err.Error(), "invalid_") {
			t.Errorf("wrong secret: %v", err)
		}
		resp := e.postForm("/oauth2/introspect", url.Values{"token": {"x"}}, app.ClientId, "wrong")
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("introspect with a wrong secret: %d", resp.StatusCode)
		}
	})
}

func TestRefreshRotation(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, db storagetest.Database) {
		e := newEnv(t, db)
		app := e.app(true, func(c *pool.Client) {
			c.RefreshTokenRotation = &pool.RefreshTokenRotation{Feature: pool.RotationEnabled, RetryGracePeriodSeconds: 10}
		})
		u := e.user("carol")
		r := e.rp(app, oauth2.AuthStyleInHeader)
		tok, _ := r.login(t, u.Sub, false)
		next, err := r.refresh(tok.RefreshToken)
		if err != nil || next.RefreshToken == "" || next.RefreshToken == tok.RefreshToken {
			t.Fatalf("rotation: %v %q", err, next.RefreshToken)
		}
		// Within the grace period the old token still works (a retried request).
		if _, err := r.refresh(tok.RefreshToken); err != nil {
			t.Fatalf("retry within the grace period: %v", err)
		}
		// After it, reuse revokes the whole family: the newest token and the access tokens too.
		e.clock.Advance(11 * time.Second)
		if _, err := r.refresh(tok.RefreshToken); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
			t.Fatalf("reuse after rotation: %v", err)
		}
		if _, err := r.refresh(next.RefreshToken); err == nil {
			t.Error("the family's newest refresh token still works after a reuse")
		}
		if st, _ := e.userInfo(next.AccessToken); st != http.StatusUnauthorized {
			t.Errorf("userInfo after reuse: %d", st)
		}
	})
}

func TestClientCredentials(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, db storagetest.Database) {
		e := newEnv(t, db)
		if _, err := e.pools.CreateResourceServer(t.Context(), &pool.ResourceServer{UserPoolId: e.pool.Id, Identifier: "https://api.example.com",
			Name: "api", Scopes: []pool.Scope{{ScopeName: "read", ScopeDescription: "r"}, {ScopeName: "write", ScopeDescription: "w"}}}); err != nil {
			t.Fatal(err)
		}
		app := e.app(true, func(c *pool.Client) {
			c.AllowedOAuthFlows = []string{pool.FlowClientCredentials}
			c.AllowedOAuthScopes = []string{"https://api.example.com/read", "https://api.example.com/write"}
			c.CallbackURLs = nil
			c.LogoutURLs = nil
		})
		tests := []struct {
			name   string
			scope  string
			secret string
			status int
			want   string
		}{
			{"one scope", "https://api.example.com/read", app.ClientSecret, 200, "https://api.example.com/read"},
			{"all scopes", "", app.ClientSecret, 200, "https://api.example.com/read https://api.example.com/write"},
			{"unknown scope", "https://api.example.com/admin", app.ClientSecret, 400, "invalid_scope"},
			{"openid", "openid", app.ClientSecret, 400, "invalid_scope"},
			{"wrong secret", "", "wrong", 401, "invalid_client"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				form := url.Values{"grant_type": {"client_credentials"}}
				if tt.scope != "" {
					form.Set("scope", tt.scope)
				}
				resp := e.postForm("/oauth2/token", form, app.ClientId, tt.secret)
				out := decode(t, resp)
				if resp.StatusCode != tt.status {
					t.Fatalf("status %d, want %d: %v", resp.StatusCode, tt.status, out)
				}
				if tt.status != 200 {
					if out["error"] != tt.want {
						t.Errorf("error %v, want %s", out["error"], tt.want)
					}
					return
				}
				at := out["access_token"].(string)
				claims := verifyJWT(t, e, at)
				if claims["scope"] != tt.want || claims["client_id"] != app.ClientId || claims["token_use"] != "access" || claims["sub"] != app.ClientId {
					t.Errorf("claims %v", claims)
				}
				if _, ok := claims["username"]; ok {
					t.Error("client_credentials token has a username")
				}
				if st, _ := e.userInfo(at); st != http.StatusUnauthorized {
					t.Errorf("userInfo with a client_credentials token: %d", st)
				}
				in := decode(t, e.postForm("/oauth2/introspect", url.Values{"token": {at}}, app.ClientId, app.ClientSecret))
				if in["active"] != true {
					t.Errorf("introspect: %v", in)
				}
			})
		}
		// A public client cannot use client_credentials.
		pub := e.app(false, nil)
		resp := e.postForm("/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {pub.ClientId}}, "", "")
		if out := decode(t, resp); resp.StatusCode != http.StatusUnauthorized || out["error"] != "invalid_client" {
			t.Errorf("public client_credentials: %d %v", resp.StatusCode, out)
		}
	})
}

// verifyJWT verifies a token against the pool's JWKS with go-oidc and returns its claims.
func verifyJWT(t *testing.T, e *env, raw string) map[string]any {
	t.Helper()
	ks := oidc.NewRemoteKeySet(context.Background(), e.issuer()+"/.well-known/jwks.json")
	v := oidc.NewVerifier(e.issuer(), ks, &oidc.Config{SkipClientIDCheck: true, SupportedSigningAlgs: []string{"RS256", "ES256"}})
	tok, err := v.Verify(context.Background(), raw)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	var claims map[string]any
	_ = tok.Claims(&claims)
	return claims
}

func pkceChallenge(v string) string {
	sum := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// codeFor runs an authorization request with the given parameters up to the code.
func (e *env) codeFor(t *testing.T, app *pool.Client, sub string, extra url.Values) string {
	t.Helper()
	q := url.Values{"client_id": {app.ClientId}, "redirect_uri": {app.CallbackURLs[0]}, "response_type": {"code"},
		"scope": {"openid email"}, "state": {"s"}}
	for k, v := range extra {
		q[k] = v
	}
	back := e.signIn(e.authorize(q), sub)
	code := back.Query().Get("code")
	if code == "" {
		t.Fatalf("no code: %s", back)
	}
	return code
}

func (e *env) redeem(app *pool.Client, code string, extra url.Values) (int, map[string]any) {
	e.t.Helper()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {app.CallbackURLs[0]}}
	for k, v := range extra {
		form[k] = v
	}
	id, secret := app.ClientId, app.ClientSecret
	if secret == "" {
		form.Set("client_id", id)
		id = ""
	}
	resp := e.postForm("/oauth2/token", form, id, secret)
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestCodeReuseRevokes(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, db storagetest.Database) {
		e := newEnv(t, db)
		app := e.app(true, nil)
		u := e.user("dave")
		code := e.codeFor(t, app, u.Sub, nil)
		st, first := e.redeem(app, code, nil)
		if st != 200 {
			t.Fatalf("first redemption: %d %v", st, first)
		}
		st, second := e.redeem(app, code, nil)
		if st != 400 || second["error"] != "invalid_grant" {
			t.Fatalf("second redemption: %d %v", st, second)
		}
		if st, _ := e.userInfo(first["access_token"].(string)); st != http.StatusUnauthorized {
			t.Errorf("access token of a replayed code still works at userInfo: %d", st)
		}
		resp := e.postForm("/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first["refresh_token"].(string)}}, app.ClientId, app.ClientSecret)
		if out := decode(t, resp); out["error"] != "invalid_grant" {
			t.Errorf("refresh token of a replayed code: %v", out)
		}
	})
}

func TestCodeRedeemedOnceUnderConcurrency(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, db storagetest.Database) {
		e := newEnv(t, db)
		app := e.app(true, nil)
		u := e.user("erin")
		code := e.codeFor(t, app, u.Sub, nil)
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := 0
		var winner map[string]any
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if st, out := e.redeem(app, code, nil); st == 200 {
					mu.Lock()
					ok++
					winner = out
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if ok != 1 {
			t.Fatalf("%d of 20 concurrent redemptions succeeded, want 1", ok)
		}
		// The other 19 were replays: the winner's tokens are revoked, whichever finished first.
		if st, _ := e.userInfo(winner["access_token"].(string)); st != http.StatusUnauthorized {
			t.Errorf("userInfo with the tokens of a replayed code: %d", st)
		}
	})
}

func TestCodeRules(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, db storagetest.Database) {
		e := newEnv(t, db)
		conf := e.app(true, nil)
		pub := e.app(false, nil)
		u := e.user("frank")
		verifier := strings.Repeat("v", 43)

		t.Run("expired code", func(t *testing.T) {
			code := e.codeFor(t, conf, u.Sub, nil)
			e.clock.Advance(5*time.Minute + time.Second)
			defer e.clock.Advance(-(5*time.Minute + time.Second))
			if st, out := e.redeem(conf, code, nil); st != 400 || out["error"] != "invalid_grant" {
				t.Errorf("%d %v", st, out)
			}
		})
		t.Run("other client", func(t *testing.T) {
			code := e.codeFor(t, conf, u.Sub, nil)
			other := e.app(true, nil)
			if st, out := e.redeem(other, code, nil); st != 400 || out["error"] != "invalid_grant" {
				t.Errorf("%d %v", st, out)
			}
		})
		t.Run("other redirect_uri", func(t *testing.T) {
			code := e.codeFor(t, conf, u.Sub, nil)
			if st, out := e.redeem(conf, code, url.Values{"redirect_uri": {"https://app.example.com/other"}}); st != 400 || out["error"] != "invalid_grant" {
				t.Errorf("%d %v", st, out)
			}
		})
		t.Run("wrong verifier consumes the code", func(t *testing.T) {
			code := e.codeFor(t, pub, u.Sub, url.Values{"code_challenge": {pkceChallenge(verifier)}, "code_challenge_method": {"S256"}})
			if st, out := e.redeem(pub, code, url.Values{"code_verifier": {strings.Repeat("w", 43)}}); st != 400 || out["error"] != "invalid_grant" {
				t.Errorf("wrong verifier: %d %v", st, out)
			}
			if st, out := e.redeem(pub, code, url.Values{"code_verifier": {verifier}}); st != 400 {
				t.Errorf("right verifier after a wrong one: %d %v", st, out)
			}
		})
		t.Run("short verifier", func(t *testing.T) {
			short := strings.Repeat("v", 42)
			code := e.codeFor(t, pub, u.Sub, url.Values{"code_challenge": {pkceChallenge(short)}, "code_challenge_method": {"S256"}})
			if st, out := e.redeem(pub, code, url.Values{"code_verifier": {short}}); st != 400 || out["error"] != "invalid_grant" {
				t.Errorf("%d %v", st, out)
			}
		})
		t.Run("missing verifier", func(t *testing.T) {
			code := e.codeFor(t, pub, u.Sub, url.Values{"code_challenge": {pkceChallenge(verifier)}, "code_challenge_method": {"S256"}})
			if st, out := e.redeem(pub, code, nil); st != 400 {
				t.Errorf("%d %v", st, out)
			}
		})
		t.Run("disabled user", func(t *testing.T) {
			v := e.user("grace")
			r := e.rp(conf, oauth2.AuthStyleInHeader)
			tok, _ := r.login(t, v.Sub, false)
			v.Enabled = false
			if err := e.store.UpdateUser(t.Context(), v); err != nil {
				t.Fatal(err)
			}
			if _, err := r.refresh(tok.RefreshToken); err == nil {
				t.Error("refresh for a disabled user succeeded")
			}
			if st, _ := e.userInfo(tok.AccessToken); st != http.StatusUnauthorized {
				t.Errorf("userInfo for a disabled user: %d", st)
			}
			if _, err := e.prov.Complete(t.Context(), e.pool.Id, "x", v.Sub, time.Now(), nil); err == nil {
				t.Error("a disabled user completed a sign-in")
			}
			// Enabling again does not bring the old tokens back.
			v.Enabled = true
			if err := e.store.UpdateUser(t.Context(), v); err != nil {
				t.Fatal(err)
			}
			if _, err := r.refresh(tok.RefreshToken); err == nil {
				t.Error("refresh token works again after re-enabling")
			}
		})
	})
}

func TestAuthorizeRules(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, db storagetest.Database) {
		e := newEnv(t, db)
		conf := e.app(true, func(c *pool.Client) {
			c.CallbackURLs = []string{"https://app.example.com/cb", "http://localhost:8080/cb"}
		})
		pub := e.app(false, nil)
		native := e.app(false, func(c *pool.Client) {
			c.CallbackURLs = []string{"http://127.0.0.1/cb"}
			c.AllowLoopbackRedirectAnyPort = true
		})
		chal := pkceChallenge(strings.Repeat("v", 43))
		base := func(c *pool.Client, redirect string, extra ...string) url.Values {
			q := url.Values{"client_id": {c.ClientId}, "redirect_uri": {redirect}, "response_type": {"code"}, "scope": {"openid"}, "state": {"st"}}
			for i := 0; i+1 < len(extra); i += 2 {
				q.Set(extra[i], extra[i+1])
			}
			return q
		}
		pagesFor := []struct {
			name string
			q    url.Values
		}{
			{"unknown client", base(&pool.Client{ClientId: "nope"}, "https://app.example.com/cb")},
			{"unregistered redirect", base(conf, "https://evil.example.com/cb")},
			{"trailing slash", base(conf, "https://app.example.com/cb/")},
			{"different case", base(conf, "https://APP.example.com/cb")},
			{"different port", base(conf, "http://localhost:8081/cb")},
			{"loopback port without opt-in", base(conf, "http://localhost:9999/cb")},
			{"missing redirect", base(conf, "")},
			{"native other path", base(native, "http://127.0.0.1:5000/other")},
		}
		for _, tt := range pagesFor {
			t.Run(tt.name, func(t *testing.T) {
				resp := e.authorize(tt.q)
				if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
					t.Errorf("%d %q: want an error page, no redirect", resp.StatusCode, resp.Header.Get("Location"))
				}
			})
		}
		redirectsWith := []struct {
			name  string
			q     url.Values
			error string
		}{
			{"public client without PKCE", base(pub, pub.CallbackURLs[0]), "invalid_request"},
			{"plain PKCE", base(pub, pub.CallbackURLs[0], "code_challenge", chal, "code_challenge_method", "plain"), "invalid_request"},
			{"PKCE without method", base(pub, pub.CallbackURLs[0], "code_challenge", chal), "invalid_request"},
			{"request object", base(conf, conf.CallbackURLs[0], "request", "eyJ.x.y"), "request_not_supported"},
			{"request_uri", base(conf, conf.CallbackURLs[0], "request_uri", "https://x"), "request_uri_not_supported"},
			{"implicit not enabled", base(conf, conf.CallbackURLs[0], "response_type", "id_token", "nonce", "n"), "unauthorized_client"},
			{"token without implicit", base(conf, conf.CallbackURLs[0], "response_type", "token"), "unauthorized_client"},
			{"unknown response type", base(conf, conf.CallbackURLs[0], "response_type", "code token"), "unsupported_response_type"},
			{"scope not allowed", base(conf, conf.CallbackURLs[0], "scope", "openid admin"), "invalid_scope"},
			{"bad prompt", base(conf, conf.CallbackURLs[0], "prompt", "none login"), "invalid_request"},
		}
		for _, tt := range redirectsWith {
			t.Run(tt.name, func(t *testing.T) {
				resp := e.authorize(tt.q)
				loc, _ := url.Parse(resp.Header.Get("Location"))
				if resp.StatusCode != http.StatusFound || loc == nil {
					t.Fatalf("%d: want a redirect", resp.StatusCode)
				}
				q := loc.Query()
				if loc.Fragment != "" { // response types with tokens answer in the fragment
					q, _ = url.ParseQuery(loc.Fragment)
				}
				if q.Get("error") != tt.error || q.Get("iss") != e.issuer() || q.Get("state") != "st" {
					t.Errorf("redirect %s: want error=%s with iss and state", loc, tt.error)
				}
			})
		}
		okFor := []struct {
			name string
			q    url.Values
		}{
			{"loopback with any port (opt-in)", base(native, "http://127.0.0.1:53124/cb", "code_challenge", chal, "code_challenge_method", "S256")},
			{"POST", nil},
		}
		for _, tt := range okFor {
			t.Run(tt.name, func(t *testing.T) {
				var resp *http.Response
				if tt.q == nil {
					r, err := e.browser.PostForm(e.issuer()+"/oauth2/authorize", base(conf, conf.CallbackURLs[0]))
					if err != nil {
						t.Fatal(err)
					}
					r.Body.Close()
					resp = r
				} else {
					resp = e.authorize(tt.q)
				}
				if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || !strings.Contains(loc, "/login?authRequestID=") {
					t.Errorf("%d %s: want the login page", resp.StatusCode, loc)
				}
			})
		}
		t.Run("fail answers with iss in the response mode", func(t *testing.T) {
			resp := e.authorize(base(conf, conf.CallbackURLs[0], "prompt", "none", "response_mode", "fragment"))
			loc, _ := url.Parse(resp.Header.Get("Location"))
			id := loc.Query().Get("authRequestID")
			rec := &recorder{header: http.Header{}}
			req, _ := http.NewRequest(http.MethodGet, "/", nil)
			e.prov.Fail(rec, req, e.pool.Id, id, "login_required", "no session")
			back, _ := url.Parse(rec.header.Get("Location"))
			frag, _ := url.ParseQuery(back.Fragment)
			if frag.Get("error") != "login_required" || frag.Get("iss") != e.issuer() || frag.Get("state") != "st" {
				t.Errorf("Fail redirected to %s", back)
			}
			if _, err := e.prov.AuthRequest(t.Context(), e.pool.Id, id); err == nil {
				t.Error("a failed request is still pending")
			}
		})
	})
}

// TestImplicitFlow signs in with each implicit response type and checks what the fragment
// carries: OpenID Connect's id_token and "id_token token", and Cognito's token (an access
// token, plus an ID token only with the openid scope).
func TestImplicitFlow(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, db storagetest.Database) {
		e := newEnv(t, db)
		app := e.app(false, func(c *pool.Client) { c.AllowedOAuthFlows = []string{pool.FlowImplicit} })
		u := e.user("imp")
		op, err := oidc.NewProvider(t.Context(), e.issuer())
		if err != nil {
			t.Fatal(err)
		}
		verifier := op.Verifier(&oidc.Config{ClientID: app.ClientId})
		tests := []struct {
			responseType, scope, nonce string
			wantID, wantAccess         bool
		}{
			{"id_token", "openid email", "n1", true, false},
			{"id_token token", "openid profile", "n2", true, true},
			{"token", "openid email", "", true, true},
			{"token", "email", "", false, true},
		}
		for _, tt := range tests {
			t.Run(tt.responseType+" "+tt.scope, func(t *testing.T) {
				q := url.Values{"client_id": {app.ClientId}, "redirect_uri": {app.CallbackURLs[0]}, "response_type": {tt.responseType},
					"scope": {tt.scope}, "state": {"st"}}
				if tt.nonce != "" {
					q.Set("nonce", tt.nonce)
				}
				back := e.signIn(e.authorize(q), u.Sub)
				if back.RawQuery != "" {
					t.Errorf("tokens in the query: %s", back)
				}
				frag, _ := url.ParseQuery(back.Fragment)
				if frag.Get("state") != "st" || frag.Get("iss") != e.issuer() || frag.Has("code") || frag.Has("refresh_token") {
					t.Fatalf("fragment %v: want state and iss, no code or refresh token", frag)
				}
				if got := frag.Get("id_token") != ""; got != tt.wantID {
					t.Fatalf("id_token present = %v, want %v (fragment %v)", got, tt.wantID, frag)
				}
				if got := frag.Get("access_token") != ""; got != tt.wantAccess {
					t.Fatalf("access_token present = %v, want %v", got, tt.wantAccess)
				}
				if tt.wantAccess {
					if frag.Get("token_type") != "Bearer" || frag.Get("expires_in") == "" {
						t.Errorf("token_type %q expires_in %q", frag.Get("token_type"), frag.Get("expires_in"))
					}
					// userInfo needs the openid scope, as in Cognito.
					status, info := e.userInfo(frag.Get("access_token"))
					if tt.wantID && (status != http.StatusOK || info["sub"] != u.Sub) || !tt.wantID && status != http.StatusForbidden {
						t.Errorf("userInfo with the implicit access token: %d %v", status, info)
					}
				}
				if tt.wantID {
					idt, err := verifier.Verify(t.Context(), frag.Get("id_token"))
					if err != nil {
						t.Fatalf("verify ID token: %v", err)
					}
					if idt.Subject != u.Sub || idt.Nonce != tt.nonce {
						t.Errorf("ID token sub %q nonce %q", idt.Subject, idt.Nonce)
					}
					if tt.wantAccess {
						if err := idt.VerifyAccessToken(frag.Get("access_token")); err != nil {
							t.Errorf("at_hash: %v", err)
						}
					}
				}
			})
		}
		for _, tt := range []struct{ name, responseType, scope, nonce, mode, error string }{
			{"id_token without nonce", "id_token", "openid", "", "", "invalid_request"},
			{"id_token without openid", "id_token", "email", "n", "", "invalid_scope"},
			{"code on an implicit-only app", "code", "openid", "", "", "unauthorized_client"},
			// Tokens never go in a query string (logs, Referer): refused, and the error itself
			// comes in the fragment.
			{"token in the query", "token", "openid", "", "query", "invalid_request"},
			{"id_token in the query", "id_token", "openid", "n", "query", "invalid_request"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				q := url.Values{"client_id": {app.ClientId}, "redirect_uri": {app.CallbackURLs[0]}, "response_type": {tt.responseType},
					"scope": {tt.scope}, "state": {"st"}, "code_challenge": {pkceChallenge(strings.Repeat("v", 43))}, "code_challenge_method": {"S256"}}
				if tt.nonce != "" {
					q.Set("nonce", tt.nonce)
				}
				if tt.mode != "" {
					q.Set("response_mode", tt.mode)
				}
				loc, _ := url.Parse(e.authorize(q).Header.Get("Location"))
				ans := loc.Query()
				if loc.Fragment != "" {
					ans, _ = url.ParseQuery(loc.Fragment)
				}
				if ans.Get("error") != tt.error || ans.Get("iss") != e.issuer() {
					t.Errorf("redirect %s: want error=%s with iss", loc, tt.error)
				}
				if tt.mode == "query" && loc.RawQuery != "" {
					t.Errorf("the answer to a token response type is in the query: %s", loc)
				}
			})
		}
	})
}

// TestWithoutOpenIDScope: a code flow without the openid scope gets an access token and a
// refresh token but no ID token, at the code exchange and at refresh, as in Cognito.
func TestWithoutOpenIDScope(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, db storagetest.Database) {
		e := newEnv(t, db)
		app := e.app(true, nil)
		u := e.user("noid")
		status, out := e.redeem(app, e.codeFor(t, app, u.Sub, url.Values{"scope": {"email"}}), nil)
		if status != http.StatusOK || out["access_token"] == nil || out["refresh_token"] == nil || out["scope"] != "email" {
			t.Fatalf("code exchange: %d %v", status, out)
		}
		if _, ok := out["id_token"]; ok {
			t.Errorf("an ID token without the openid scope: %v", out)
		}
		resp := e.postForm("/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {out["refresh_token"].(string)}},
			app.ClientId, app.ClientSecret)
		refreshed := decode(t, resp)
		if resp.StatusCode != http.StatusOK || refreshed["access_token"] == nil {
			t.Fatalf("refresh: %d %v", resp.StatusCode, refreshed)
		}
		if _, ok := refreshed["id_token"]; ok {
			t.Errorf("an ID token at refresh without the openid scope: %v", refreshed)
		}
	})
}

type recorder struct {
	header http.Header
	status int
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *recorder) WriteHeader(s int)           { r.status = s }

func TestPoolScoping(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, db storagetest.Database) {
		e := newEnv(t, db)
		app := e.app(true, nil)
		u := e.user("heidi")
		for _, path := range []string{"/.well-known/openid-configuration", "/.well-known/jwks.json", "/oauth2/authorize", "/oauth2/userInfo"} {
			resp, err := http.Get(e.srv.URL + "/local_NoSuchPool" + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s of an unknown pool: %d", path, resp.StatusCode)
			}
		}
		code := e.codeFor(t, app, u.Sub, nil)
		poolB, err := e.pools.CreatePool(t.Context(), &pool.Pool{Name: "b"})
		if err != nil {
			t.Fatal(err)
		}
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {app.CallbackURLs[0]}}
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/"+poolB.Id+"/oauth2/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(app.ClientId, app.ClientSecret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if out := decode(t, resp); resp.StatusCode == 200 || (out["error"] != "invalid_grant" && out["error"] != "invalid_client") {
			t.Errorf("code of pool A at pool B: %d %v", resp.StatusCode, out)
		}
		// The code still works at its own pool: pool B's lookup did not consume it.
		if st, out := e.redeem(app, code, nil); st != 200 {
			t.Errorf("code at its own pool after the attempt at pool B: %d %v", st, out)
		}
	})
}

func TestDiscoveryAndCORS(t *testing.T) {
	e := newEnv(t, storagetest.SQLite(t))
	e.app(false, func(c *pool.Client) { c.CallbackURLs = []string{"https://spa.example.com/cb"} })
	resp, err := http.Get(e.issuer() + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	doc := decode(t, resp)
	if doc["issuer"] != e.issuer() || doc["end_session_endpoint"] != e.issuer()+"/logout" ||
		doc["authorization_response_iss_parameter_supported"] != true || doc["request_parameter_supported"] != false {
		t.Errorf("discovery %v", doc)
	}
	if m, _ := doc["code_challenge_methods_supported"].([]any); len(m) != 1 || m[0] != "S256" {
		t.Errorf("code challenge methods %v", m)
	}
	for origin, want := range map[string]string{"https://spa.example.com": "https://spa.example.com", "https://evil.example.com": ""} {
		req, _ := http.NewRequest(http.MethodOptions, e.issuer()+"/oauth2/token", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != want || resp.Header.Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("CORS for %s: %q", origin, got)
		}
	}
	resp, err = http.Get(e.issuer() + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if cc := resp.Header.Get("Cache-Control"); !strings.HasPrefix(cc, "public, max-age=") {
		t.Errorf("JWKS Cache-Control %q", cc)
	}
}

// TestIDTokenHintChecks: /authorize takes an ID token of this pool for this app as
// id_token_hint even when it has expired (it names the user, it grants nothing), and refuses
// anything else with invalid_request at the redirect URI.
func TestIDTokenHintChecks(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, db storagetest.Database) {
		e := newEnv(t, db)
		app := e.app(true, nil)
		u := e.user("hank")
		other, err := e.pools.CreatePool(t.Context(), &pool.Pool{Name: "other"})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{e.pool.Id, other.Id} {
			if err := e.keys.EnsureKey(t.Context(), id, "RS256"); err != nil {
				t.Fatal(err)
			}
		}
		past := time.Now().Add(-3 * time.Hour)
		sign := func(poolID string, change func(token.Claims)) string {
			t.Helper()
			sk, err := e.keys.SigningKey(t.Context(), poolID)
			if err != nil {
				t.Fatal(err)
			}
			c := token.Claims{"iss": e.srv.URL + "/" + poolID, "sub": u.Sub, "aud": app.ClientId, "token_use": "id",
				"cognito:username": "hank", "iat": past.Unix(), "exp": past.Add(time.Hour).Unix(), "auth_time": past.Unix()}
			if change != nil {
				change(c)
			}
			raw, err := token.Sign(sk, c)
			if err != nil {
				t.Fatal(err)
			}
			return raw
		}
		authorize := func(hint string) *url.URL {
			t.Helper()
			q := url.Values{"client_id": {app.ClientId}, "redirect_uri": {app.CallbackURLs[0]}, "response_type": {"code"},
				"scope": {"openid"}, "state": {"st"}, "id_token_hint": {hint}}
			loc, err := url.Parse(e.authorize(q).Header.Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			return loc
		}

		loc := authorize(sign(e.pool.Id, nil))
		ar, err := e.prov.AuthRequest(t.Context(), e.pool.Id, loc.Query().Get("authRequestID"))
		if err != nil {
			t.Fatalf("an expired hint of this pool and app was refused: %s", loc)
		}
		if ar.IDTokenHintSub != u.Sub || ar.LoginHint != "hank" {
			t.Errorf("auth request hint sub %q login hint %q", ar.IDTokenHintSub, ar.LoginHint)
		}
		for name, hint := range map[string]string{
			"malformed":     "not-a-jwt",
			"access token":  sign(e.pool.Id, func(c token.Claims) { c["token_use"] = "access" }),
			"other app":     sign(e.pool.Id, func(c token.Claims) { c["aud"] = "someone-else" }),
			"other pool":    sign(other.Id, nil),
			"other issuer":  sign(e.pool.Id, func(c token.Claims) { c["iss"] = "https://evil.example.com/" + e.pool.Id }),
			"two audiences": sign(e.pool.Id, func(c token.Claims) { c["aud"] = []string{app.ClientId, "x"} }),
			"bad signature": func() string { raw := sign(e.pool.Id, nil); return raw[:len(raw)-6] + "AAAAAA" }(),
		} {
			t.Run(name, func(t *testing.T) {
				q := authorize(hint).Query()
				if q.Get("error") != "invalid_request" || q.Get("iss") != e.issuer() || q.Get("state") != "st" {
					t.Errorf("answer %v: want invalid_request with iss and state", q)
				}
			})
		}
	})
}

// TestFormPostPage: the form_post answer is a page whose only script (the form's submit) is
// allowed by its hash, posting to the redirect URI's origin only.
func TestFormPostPage(t *testing.T) {
	e := newEnv(t, storagetest.SQLite(t))
	app := e.app(true, nil)
	u := e.user("ivy")
	q := url.Values{"client_id": {app.ClientId}, "redirect_uri": {app.CallbackURLs[0]}, "response_type": {"code"},
		"scope": {"openid"}, "state": {"st"}, "response_mode": {"form_post"}}
	loc, _ := url.Parse(e.authorize(q).Header.Get("Location"))
	cb, err := e.prov.Complete(t.Context(), e.pool.Id, loc.Query().Get("authRequestID"), u.Sub, time.Now(), []string{"pwd"})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.browser.Get(cb)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	page := string(body)
	script := regexp.MustCompile(`<script>([^<]*)</script>`).FindStringSubmatch(page)
	if resp.StatusCode != http.StatusOK || script == nil || strings.Count(page, "<script") != 1 {
		t.Fatalf("%d, want a page with one script:\n%s", resp.StatusCode, page)
	}
	sum := sha256.Sum256([]byte(script[1]))
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "';", "form-action https://app.example.com;",
		"default-src 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe") {
		t.Errorf("CSP %q allows unsafe sources", csp)
	}
	if !strings.Contains(page, `action="https://app.example.com/cb"`) || !strings.Contains(page, `name="code"`) ||
		!strings.Contains(page, `name="state" value="st"`) || !strings.Contains(page, `name="iss"`) {
		t.Errorf("form:\n%s", page)
	}
}
