package provider_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/trigger"
	"github.com/userpool/userpool/webhook"
)

// tokenTrigger is a pre token generation receiver that verifies every signature, records the
// sources it saw and answers with answer (a response object) or, when refuse is set, refuses.
type tokenTrigger struct {
	t       *testing.T
	secret  string
	mu      sync.Mutex
	sources []string
	answer  map[string]any
	refuse  string
}

func (tt *tokenTrigger) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if err := webhook.Verify(tt.secret, r.Header, body, time.Now(), time.Minute); err != nil {
		tt.t.Errorf("receiver: signature: %v", err)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var ev map[string]any
	if err := json.Unmarshal(body, &ev); err != nil {
		tt.t.Errorf("receiver: %v", err)
	}
	tt.mu.Lock()
	defer tt.mu.Unlock()
	tt.sources = append(tt.sources, ev["triggerSource"].(string))
	if tt.refuse != "" {
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"errorMessage": tt.refuse})
		return
	}
	ev["response"] = tt.answer
	_ = json.NewEncoder(w).Encode(ev)
}

func (tt *tokenTrigger) set(answer map[string]any, refuse string) {
	tt.mu.Lock()
	tt.answer, tt.refuse = answer, refuse
	tt.mu.Unlock()
}

// withTokenTrigger attaches a pre token generation receiver to the env's pool.
func (e *env) withTokenTrigger(t *testing.T) *tokenTrigger {
	t.Helper()
	ctx := context.Background()
	tt := &tokenTrigger{t: t, secret: webhook.NewSecret()}
	srv := httptest.NewServer(tt)
	t.Cleanup(srv.Close)
	p := *e.pool
	p.LambdaConfig = &pool.LambdaConfig{PreTokenGenerationConfig: &pool.PreTokenGenerationConfig{LambdaVersion: "V2_0", LambdaArn: srv.URL}}
	updated, err := e.pools.UpdatePool(ctx, &p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.triggers.ConfigureSecrets(ctx, updated, []trigger.SecretInput{{Name: pool.TriggerPreTokenGeneration, Value: tt.secret}}); err != nil {
		t.Fatal(err)
	}
	e.pool = updated // before any request: the provider's cache has not seen the pool yet
	return tt
}

func jwtClaims(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// The hosted sign-in's tokens go through the pool's pre token generation trigger, as the
// Cognito API's: TokenGeneration_HostedAuth at the code exchange, _RefreshTokens at a refresh.
func TestPreTokenGenerationThroughProvider(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, db storagetest.Database) {
		e := newEnv(t, db)
		tt := e.withTokenTrigger(t)
		tt.set(map[string]any{"claimsAndScopeOverrideDetails": map[string]any{
			"idTokenGeneration": map[string]any{"claimsToAddOrOverride": map[string]any{"plan": "pro", "name": "Renamed"},
				"claimsToSuppress": []string{"phone_number"}},
			"accessTokenGeneration": map[string]any{"claimsToAddOrOverride": map[string]any{"tier": 3},
				"scopesToAdd": []string{"reports.read"}, "scopesToSuppress": []string{"email"}},
		}}, "")
		app := e.app(true, func(c *pool.Client) {
			c.RefreshTokenRotation = &pool.RefreshTokenRotation{Feature: pool.RotationEnabled}
		})
		u := e.user("dana")
		r := e.rp(app, oauth2.AuthStyleInHeader)
		tok, idt := r.login(t, u.Sub, true)

		var id map[string]any
		if err := idt.Claims(&id); err != nil {
			t.Fatal(err)
		}
		if id["plan"] != "pro" || id["name"] != "Renamed" || id["phone_number"] != nil || id["email"] != "dana@example.com" {
			t.Errorf("ID token claims %v", id)
		}
		access := jwtClaims(t, tok.AccessToken)
		if access["tier"] != float64(3) || access["scope"] != "openid profile reports.read" {
			t.Errorf("access token claims %v", access)
		}
		if got := tok.Extra("scope"); got != "openid profile reports.read" {
			t.Errorf("token response scope %v", got)
		}
		if st, _ := e.userInfo(tok.AccessToken); st != http.StatusOK {
			t.Errorf("userInfo with the trigger's access token: %d", st)
		}

		next, err := r.refresh(tok.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		if a := jwtClaims(t, next.AccessToken); a["tier"] != float64(3) || a["scope"] != "openid profile reports.read" {
			t.Errorf("refreshed access token %v", a)
		}
		if id := jwtClaims(t, next.Extra("id_token").(string)); id["plan"] != "pro" {
			t.Errorf("refreshed ID token %v", id)
		}

		// A refusal at refresh is the trigger's message, and the refresh token does not rotate:
		// once the trigger agrees again, the same token refreshes (no reuse detected).
		tt.set(nil, "Subscription expired")
		if _, err := r.refresh(next.RefreshToken); err == nil || !strings.Contains(err.Error(), "PreTokenGeneration failed with error Subscription expired.") {
			t.Fatalf("refused refresh: %v", err)
		}
		// An answer touching a reserved claim is refused as well.
		tt.set(map[string]any{"claimsAndScopeOverrideDetails": map[string]any{
			"accessTokenGeneration": map[string]any{"claimsToAddOrOverride": map[string]any{"sub": "someone-else"}}}}, "")
		if _, err := r.refresh(next.RefreshToken); err == nil || !strings.Contains(err.Error(), "server_error") {
			t.Fatalf("reserved claim: %v", err)
		}
		tt.set(map[string]any{}, "")
		if _, err := r.refresh(next.RefreshToken); err != nil {
			t.Fatalf("refresh after refusals: %v", err)
		}

		tt.mu.Lock()
		got := strings.Join(tt.sources, ",")
		tt.mu.Unlock()
		want := "TokenGeneration_HostedAuth,TokenGeneration_RefreshTokens,TokenGeneration_RefreshTokens,TokenGeneration_RefreshTokens,TokenGeneration_RefreshTokens"
		if got != want {
			t.Errorf("sources %s, want %s", got, want)
		}
	})
}

// A refusal at the code exchange gives no tokens; the code is used up.
func TestPreTokenGenerationRefusesCodeExchange(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, db storagetest.Database) {
		e := newEnv(t, db)
		tt := e.withTokenTrigger(t)
		tt.set(nil, "Not during maintenance")
		app := e.app(true, nil)
		u := e.user("erin")
		r := e.rp(app, oauth2.AuthStyleInHeader)
		resp, err := e.browser.Get(r.cfg.AuthCodeURL("xyz"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		code := e.signIn(resp, u.Sub).Query().Get("code")
		_, err = r.cfg.Exchange(context.Background(), code)
		if err == nil || !strings.Contains(err.Error(), "PreTokenGeneration failed with error Not during maintenance.") {
			t.Fatalf("exchange: %v", err)
		}
		tt.set(map[string]any{}, "")
		if _, err := r.cfg.Exchange(context.Background(), code); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
			t.Fatalf("second exchange: %v", err)
		}
	})
}

// The ID token follows the granted scopes, whatever the trigger does to the access token's:
// adding openid does not make one, suppressing openid does not take it away.
func TestPreTokenGenerationCannotChangeIDToken(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, db storagetest.Database) {
		e := newEnv(t, db)
		tt := e.withTokenTrigger(t)
		app := e.app(true, nil)
		u := e.user("fred")
		for _, tc := range []struct {
			name, scope, change string
			wantID              bool
		}{
			{"openid added", "email", "scopesToAdd", false},
			{"openid suppressed", "openid email", "scopesToSuppress", true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tt.set(map[string]any{"claimsAndScopeOverrideDetails": map[string]any{
					"accessTokenGeneration": map[string]any{tc.change: []string{"openid"}}}}, "")
				status, out := e.redeem(app, e.codeFor(t, app, u.Sub, url.Values{"scope": {tc.scope}}), nil)
				if status != http.StatusOK {
					t.Fatalf("exchange: %d %v", status, out)
				}
				raw, got := out["id_token"].(string)
				if got != tc.wantID {
					t.Fatalf("ID token present = %v, want %v (scope %v)", got, tc.wantID, out["scope"])
				}
				if got {
					if c := jwtClaims(t, raw); c["token_use"] != "id" || c["cognito:username"] != "fred" {
						t.Errorf("ID token claims %v", c)
					}
				}
			})
		}
	})
}
