package provider_test

import (
	"encoding/base64"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage/storagetest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// payload decodes a JWT's claims without verifying it (the flow tests verify).
func payload(t *testing.T, raw string) map[string]any {
	t.Helper()
	parts := strings.Split(raw, ".")
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestTokenClaimsGolden pins the claims of the ID and access tokens as issued through the
// provider (and of userInfo); values that change on every run are replaced by their names.
func TestTokenClaimsGolden(t *testing.T) {
	e := newEnv(t, storagetest.SQLite(t))
	if err := e.pools.AddCustomAttributes(t.Context(), e.pool.Id, []pool.SchemaAttribute{{Name: "tier", AttributeDataType: pool.TypeString, Mutable: true}}); err != nil {
		t.Fatal(err)
	}
	prec := 1
	for _, g := range []pool.Group{{GroupName: "admins", Precedence: &prec}, {GroupName: "staff"}} {
		g.UserPoolId = e.pool.Id
		if _, err := e.pools.CreateGroup(t.Context(), &g); err != nil {
			t.Fatal(err)
		}
	}
	app := e.app(true, func(c *pool.Client) {
		c.ReadAttributes = []string{"email", "email_verified", "name", "phone_number", "custom:tier"}
	})
	u := e.user("judy")
	u.Attributes["custom:tier"] = "gold"
	if err := e.store.UpdateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	for _, g := range []string{"staff", "admins"} {
		if err := e.store.AddUserToGroup(t.Context(), e.pool.Id, u.Sub, g); err != nil {
			t.Fatal(err)
		}
	}
	r := e.rp(app, oauth2.AuthStyleInHeader)
	r.cfg.Scopes = []string{"openid", "email", "profile"}
	tok, _ := r.login(t, u.Sub, false)
	_, ui := e.userInfo(tok.AccessToken)
	got := map[string]any{
		"id_token":     payload(t, tok.Extra("id_token").(string)),
		"access_token": payload(t, tok.AccessToken),
		"userInfo":     ui,
	}
	volatile := map[string]string{u.Sub: "<sub>", app.ClientId: "<client_id>", e.issuer(): "<issuer>"}
	for _, claims := range got {
		c := claims.(map[string]any)
		for _, k := range []string{"iat", "exp", "nbf", "auth_time", "jti", "origin_jti", "at_hash", "c_hash"} {
			if _, ok := c[k]; ok {
				c[k] = "<" + k + ">"
			}
		}
		for k, v := range c {
			if s, ok := v.(string); ok && volatile[s] != "" {
				c[k] = volatile[s]
			}
			if l, ok := v.([]any); ok && len(l) == 1 && volatile[l[0].(string)] != "" {
				c[k] = []any{volatile[l[0].(string)]}
			}
		}
	}
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(got); err != nil {
		t.Fatal(err)
	}
	b := []byte(buf.String())
	path := filepath.Join("testdata", "claims.golden.json")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if strings.TrimSpace(string(want)) != strings.TrimSpace(string(b)) {
		t.Errorf("claims changed:\n%s\nwant:\n%s", b, want)
	}
}
