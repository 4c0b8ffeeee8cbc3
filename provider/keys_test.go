package provider_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/gorilla/mux"
	"golang.org/x/oauth2"

	"github.com/userpool/userpool/storage/storagetest"
)

func kidOf(t *testing.T, raw string) string {
	t.Helper()
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256, jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	return jws.Signatures[0].Header.KeyID
}

func jwksKids(t *testing.T, url string) []string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	var set jose.JSONWebKeySet
	out := decode(t, resp)
	keys, _ := out["keys"].([]any)
	for _, k := range keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{KeyID: k.(map[string]any)["kid"].(string)})
	}
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.KeyID)
	}
	slices.Sort(kids)
	return kids
}

func TestKeyRotation(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, db storagetest.Database) {
		e := newEnv(t, db)
		app := e.app(true, nil)
		u := e.user("ivan")
		r := e.rp(app, oauth2.AuthStyleInHeader)
		before, _ := r.login(t, u.Sub, false)
		oldKid := kidOf(t, before.Extra("id_token").(string))

		next, err := e.keys.Rotate(t.Context(), e.pool.Id, "")
		if err != nil {
			t.Fatal(err)
		}
		// The next key is published before it signs.
		if kids := jwksKids(t, e.issuer()+"/.well-known/jwks.json"); !slices.Contains(kids, next.ID) || !slices.Contains(kids, oldKid) {
			t.Fatalf("JWKS after rotation %v, want %s and %s", kids, oldKid, next.ID)
		}
		during, _ := r.login(t, u.Sub, false)
		if kid := kidOf(t, during.Extra("id_token").(string)); kid != oldKid {
			t.Errorf("signed with %s during pre-publication, want the old key %s", kid, oldKid)
		}
		// After the pre-publication period the next key signs; the old token still verifies.
		e.clock.Advance(time.Hour + time.Minute)
		after, _ := r.login(t, u.Sub, false)
		if kid := kidOf(t, after.Extra("id_token").(string)); kid != next.ID {
			t.Errorf("signed with %s after pre-publication, want %s", kid, next.ID)
		}
		if _, err := r.verifier.Verify(context.Background(), before.Extra("id_token").(string)); err != nil {
			t.Errorf("a token signed before the rotation no longer verifies: %v", err)
		}
		verifyJWT(t, e, before.AccessToken) // against the JWKS, by the relying party's clock

		// A second process on the same database publishes the same JWKS.
		p2, _ := e.newProvider(db.Connect(t, db.Key))
		r2 := mux.NewRouter()
		p2.Mount(r2)
		srv2 := httptest.NewServer(r2)
		defer srv2.Close()
		a := jwksKids(t, e.issuer()+"/.well-known/jwks.json")
		b := jwksKids(t, srv2.URL+"/"+e.pool.Id+"/.well-known/jwks.json")
		if strings.Join(a, ",") != strings.Join(b, ",") {
			t.Errorf("two processes publish different key sets: %v and %v", a, b)
		}
	})
}
