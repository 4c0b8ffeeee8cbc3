package token_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/userpool/userpool/token"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

var (
	issuer   = "https://id.example.com/local_TESTPOOL1"
	clientID = "abcdefghijklmnopqrstuvwxyz"
	authTime = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	issuedAt = authTime.Add(10 * time.Minute)
)

func intp(i int) *int { return &i }

func alice() token.User {
	return token.User{
		Sub:      "8f14e45f-ceea-467f-a0e6-3bb1d8c6b1a1",
		Username: "alice",
		Attributes: map[string]string{
			"sub":                   "must-not-be-used",
			"email":                 "alice@example.com",
			"email_verified":        "true",
			"phone_number":          "+14325551212",
			"phone_number_verified": "false",
			"name":                  "Alice Liddell",
			"given_name":            "Alice",
			"family_name":           "Liddell",
			"locale":                "en-GB",
			"updated_at":            "1767225600",
			"address":               "1 Rabbit Hole, Oxford",
			"custom:tier":           "gold",
			"custom:age":            "42",
			"dev:note":              "developer only",
			"cognito:user_status":   "CONFIRMED",
		},
		Groups: []token.Group{
			{Name: "readers"},
			{Name: "editors", Precedence: intp(5)},
			{Name: "admins", Precedence: intp(1)},
			{Name: "authors", Precedence: intp(5)},
			{Name: "guests"},
		},
	}
}

// golden compares c's JSON with testdata/NAME.golden (rewritten with -update).
func golden(t *testing.T, name string, c token.Claims) {
	t.Helper()
	got, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./token -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s:\n%s", name, path, got)
	}
}

func idInput(scopes, read []string) token.IDTokenInput {
	return token.IDTokenInput{
		Issuer: issuer, ClientID: clientID, User: alice(), Scopes: scopes, ReadAttributes: read,
		AuthTime: authTime, IssuedAt: issuedAt, Lifetime: time.Hour,
		Nonce: "n-0S6_WzA2Mj", AtHash: "77QmUPtjPfzWtF2AnpK9RQ",
		JTI: "11111111-1111-4111-8111-111111111111", OriginJTI: "22222222-2222-4222-8222-222222222222",
	}
}

func TestIDTokenGolden(t *testing.T) {
	for _, tc := range []struct {
		name   string
		scopes []string
		read   []string
	}{
		{"id_openid", []string{"openid"}, nil},
		{"id_openid_custom_read", []string{"openid"}, []string{"email", "email_verified", "custom:tier"}},
		{"id_email", []string{"openid", "email"}, nil},
		{"id_phone", []string{"openid", "phone"}, nil},
		{"id_profile", []string{"openid", "profile"}, []string{"name", "given_name", "family_name", "locale", "updated_at", "address", "email", "custom:tier", "custom:age"}},
		{"id_email_not_readable", []string{"openid", "email", "aws.cognito.signin.user.admin"}, []string{"name"}},
		{"id_cognito_api", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := token.IDToken(idInput(tc.scopes, tc.read))
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name, c)
		})
	}
}

func TestIDTokenWithoutGroupsOrOptionalClaims(t *testing.T) {
	in := idInput([]string{"openid"}, nil)
	in.User.Groups = nil
	in.Nonce, in.AtHash, in.OriginJTI = "", "", ""
	c, err := token.IDToken(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"cognito:groups", "nonce", "at_hash", "origin_jti"} {
		if _, ok := c[name]; ok {
			t.Errorf("claim %s present, want it omitted", name)
		}
	}
}

func TestAccessTokenGolden(t *testing.T) {
	c, err := token.AccessToken(token.AccessTokenInput{
		Issuer: issuer, ClientID: clientID, User: alice(),
		Scopes:   []string{"openid", "email", "openid", "aws.cognito.signin.user.admin"},
		AuthTime: authTime, IssuedAt: issuedAt, Lifetime: time.Hour,
		JTI: "33333333-3333-4333-8333-333333333333", OriginJTI: "22222222-2222-4222-8222-222222222222",
	})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "access_user", c)
	if got := c["cognito:groups"].([]string); !slices.Equal(got, []string{"admins", "authors", "editors", "guests", "readers"}) {
		t.Fatalf("groups order %v", got)
	}
	for _, name := range []string{"email", "custom:tier", "cognito:username", "nonce"} {
		if _, ok := c[name]; ok {
			t.Errorf("access token carries %s", name)
		}
	}
}

func TestClientCredentialsGolden(t *testing.T) {
	c, err := token.ClientCredentials(token.ClientCredentialsInput{
		Issuer: issuer, ClientID: clientID, Scopes: []string{"orders/read", "orders/write"},
		IssuedAt: issuedAt, Lifetime: 30 * time.Minute, JTI: "44444444-4444-4444-8444-444444444444",
	})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "access_client_credentials", c)
	for _, name := range []string{"username", "cognito:groups", "auth_time", "origin_jti"} {
		if _, ok := c[name]; ok {
			t.Errorf("client_credentials token carries user claim %s", name)
		}
	}
}

func TestUserInfoMatchesIDToken(t *testing.T) {
	for _, scopes := range [][]string{
		{"openid"}, {"openid", "email"}, {"openid", "phone"}, {"openid", "profile"},
		{"openid", "email", "phone", "profile"}, {"openid", "orders/read"},
	} {
		for _, read := range [][]string{nil, {"email", "custom:tier", "phone_number"}} {
			info, err := token.UserInfo(alice(), scopes, read)
			if err != nil {
				t.Fatal(err)
			}
			id, err := token.IDToken(idInput(scopes, read))
			if err != nil {
				t.Fatal(err)
			}
			for name, v := range info {
				if b, _ := json.Marshal(v); string(b) != mustJSON(t, id[name]) {
					t.Errorf("scopes %v read %v: userInfo %s=%s, ID token %s", scopes, read, name, b, mustJSON(t, id[name]))
				}
			}
			for name := range id {
				if _, ok := info[name]; !ok && isAttribute(name) {
					t.Errorf("scopes %v read %v: ID token has %s, userInfo does not", scopes, read, name)
				}
			}
		}
	}
	golden(t, "userinfo_email_phone", must(token.UserInfo(alice(), []string{"openid", "email", "phone"}, nil)))
}

func isAttribute(name string) bool {
	switch name {
	case "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "jti", "origin_jti",
		"token_use", "cognito:username", "cognito:groups":
		return false
	}
	return true
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func must(c token.Claims, err error) token.Claims {
	if err != nil {
		panic(err)
	}
	return c
}

func TestAttributeScopes(t *testing.T) {
	keysOf := func(c token.Claims) []string {
		var out []string
		for k := range c {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	for _, tc := range []struct {
		name   string
		scopes []string
		read   []string
		want   []string
	}{
		{"openid alone: every default-readable attribute, no custom",
			[]string{"openid"}, nil,
			[]string{"address", "email", "email_verified", "family_name", "given_name", "locale", "name", "phone_number", "phone_number_verified", "updated_at"}},
		{"openid alone with custom read attributes",
			[]string{"openid"}, []string{"custom:age", "name"},
			[]string{"custom:age", "name"}},
		{"email", []string{"openid", "email"}, nil, []string{"email", "email_verified"}},
		{"phone", []string{"openid", "phone"}, nil, []string{"phone_number", "phone_number_verified"}},
		{"profile without custom read attributes",
			[]string{"openid", "profile"}, nil,
			[]string{"address", "family_name", "given_name", "locale", "name", "updated_at"}},
		{"profile with custom read attributes",
			[]string{"openid", "profile"}, []string{"custom:tier", "name", "email"},
			[]string{"custom:tier", "name"}},
		{"email and phone", []string{"openid", "email", "phone"}, nil,
			[]string{"email", "email_verified", "phone_number", "phone_number_verified"}},
		{"resource-server scope adds nothing", []string{"openid", "email", "orders/read"}, nil,
			[]string{"email", "email_verified"}},
		{"not readable", []string{"openid", "email"}, []string{"phone_number"}, nil},
		{"dev attributes never", []string{"openid"}, []string{"dev:note", "sub"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := keysOf(token.Attributes(alice(), tc.scopes, tc.read))
			if !slices.Equal(got, tc.want) {
				t.Fatalf("attributes %v, want %v", got, tc.want)
			}
		})
	}
}

func TestClaimTypes(t *testing.T) {
	c := token.Attributes(alice(), []string{"openid"}, []string{
		"email_verified", "phone_number_verified", "updated_at", "custom:age", "address",
	})
	if c["email_verified"] != true || c["phone_number_verified"] != false {
		t.Errorf("verified flags %#v %#v, want JSON booleans", c["email_verified"], c["phone_number_verified"])
	}
	if c["updated_at"] != int64(1767225600) {
		t.Errorf("updated_at %#v, want a number", c["updated_at"])
	}
	if c["custom:age"] != "42" {
		t.Errorf("custom:age %#v, want the string \"42\"", c["custom:age"])
	}
	if addr, ok := c["address"].(map[string]any); !ok || addr["formatted"] != "1 Rabbit Hole, Oxford" {
		t.Errorf("address %#v, want {formatted: ...}", c["address"])
	}

	u := alice()
	u.Attributes["email_verified"] = "maybe"
	u.Attributes["updated_at"] = "yesterday"
	u.Attributes["address"] = `{"street_address":"1 Rabbit Hole","locality":"Oxford"}`
	c = token.Attributes(u, []string{"openid"}, nil)
	if _, ok := c["email_verified"]; ok {
		t.Error("an unparsable email_verified is emitted")
	}
	if _, ok := c["updated_at"]; ok {
		t.Error("an unparsable updated_at is emitted")
	}
	if addr := c["address"].(map[string]any); addr["locality"] != "Oxford" {
		t.Errorf("a JSON address %#v is not kept as an object", addr)
	}
}

func TestBadInputs(t *testing.T) {
	good := idInput([]string{"openid"}, nil)
	for name, mutate := range map[string]func(*token.IDTokenInput){
		"no issuer":    func(in *token.IDTokenInput) { in.Issuer = "" },
		"no client":    func(in *token.IDTokenInput) { in.ClientID = "" },
		"no sub":       func(in *token.IDTokenInput) { in.User.Sub = "" },
		"no username":  func(in *token.IDTokenInput) { in.User.Username = "" },
		"no jti":       func(in *token.IDTokenInput) { in.JTI = "" },
		"no iat":       func(in *token.IDTokenInput) { in.IssuedAt = time.Time{} },
		"no auth time": func(in *token.IDTokenInput) { in.AuthTime = time.Time{} },
		"zero life":    func(in *token.IDTokenInput) { in.Lifetime = 0 },
		"no openid":    func(in *token.IDTokenInput) { in.Scopes = []string{"email"} },
	} {
		in := good
		in.User = alice()
		mutate(&in)
		if _, err := token.IDToken(in); err == nil || !strings.Contains(err.Error(), "build ID token") {
			t.Errorf("IDToken %s: %v, want a build error", name, err)
		}
	}
	if _, err := token.AccessToken(token.AccessTokenInput{Issuer: issuer, ClientID: clientID, User: alice(), IssuedAt: issuedAt, Lifetime: time.Hour, JTI: "j"}); err == nil {
		t.Error("AccessToken without auth time: no error")
	}
	if _, err := token.AccessToken(token.AccessTokenInput{Issuer: issuer, User: alice(), AuthTime: authTime, IssuedAt: issuedAt, Lifetime: time.Hour, JTI: "j"}); err == nil {
		t.Error("AccessToken without client id: no error")
	}
	if _, err := token.ClientCredentials(token.ClientCredentialsInput{Issuer: issuer, ClientID: clientID, IssuedAt: issuedAt, Lifetime: time.Hour, JTI: "j"}); err == nil {
		t.Error("ClientCredentials without scopes: no error")
	}
	if _, err := token.ClientCredentials(token.ClientCredentialsInput{Issuer: issuer, ClientID: clientID, Scopes: []string{"a/b"}, IssuedAt: issuedAt, Lifetime: -time.Hour, JTI: "j"}); err == nil {
		t.Error("ClientCredentials with negative lifetime: no error")
	}
	if _, err := token.UserInfo(alice(), []string{"email"}, nil); err == nil {
		t.Error("UserInfo without openid: no error")
	}
	if _, err := token.UserInfo(token.User{}, []string{"openid"}, nil); err == nil {
		t.Error("UserInfo without sub: no error")
	}
}

func TestJoinScopes(t *testing.T) {
	if got := token.JoinScopes([]string{"openid", "", "email", "openid", "orders/read"}); got != "openid email orders/read" {
		t.Fatalf("JoinScopes = %q", got)
	}
}
