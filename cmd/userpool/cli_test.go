package main

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/userpool/userpool/seal"
	"github.com/userpool/userpool/storage"
)

// parse builds the request of one table command from its flags, as runAPI does.
func parse(t *testing.T, name string, args ...string) (map[string]any, error) {
	t.Helper()
	cmd, ok := commands[name]
	if !ok {
		t.Fatalf("no command %q", name)
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var raw string
	fs.StringVar(&raw, "json", "", "")
	values := map[string]*flagValue{}
	for _, f := range cmd.fields {
		values[f.flag] = &flagValue{kind: f.kind}
		fs.Var(values[f.flag], f.flag, "")
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return buildRequest(cmd.fields, values, raw)
}

func TestBuildRequest(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // JSON
	}{
		{"pools create", []string{"--name", "P", "--username-attributes", "email", "--alias-attributes", "preferred_username",
			"--case-sensitive", "--min-length", "12", "--require-symbols=false"},
			`{"PoolName":"P","UsernameAttributes":["email"],"AliasAttributes":["preferred_username"],
			  "UsernameConfiguration":{"CaseSensitive":true},
			  "Policies":{"PasswordPolicy":{"MinimumLength":12,"RequireSymbols":false}}}`},
		{"pools list", nil, `{"MaxResults":60}`},
		{"pools add-attribute", []string{"--pool", "local_a", "--name", "tier", "--max-length", "10", "--mutable"},
			`{"UserPoolId":"local_a","CustomAttributes":[{"Name":"tier","AttributeDataType":"String","Mutable":true,
			  "StringAttributeConstraints":{"MaxLength":"10"}}]}`},
		{"apps create", []string{"--pool", "local_a", "--name", "web", "--generate-secret", "--callback-url", "https://a/cb",
			"--callback-url", "https://b/cb", "--oauth-flow", "code,client_credentials", "--access-token-validity", "30"},
			`{"UserPoolId":"local_a","ClientName":"web","GenerateSecret":true,"CallbackURLs":["https://a/cb","https://b/cb"],
			  "AllowedOAuthFlows":["code","client_credentials"],"AccessTokenValidity":30}`},
		{"users create", []string{"--pool", "local_a", "--username", "u", "--attr", "email=a@b.c", "--attr", "custom:x=1=2",
			"--temporary-password", "P"},
			`{"UserPoolId":"local_a","Username":"u","UserAttributes":[{"Name":"email","Value":"a@b.c"},{"Name":"custom:x","Value":"1=2"}],
			  "TemporaryPassword":"P"}`},
		{"users list", []string{"--pool", "local_a", "--filter", `email ^= "a"`, "--next-token", "T"},
			`{"UserPoolId":"local_a","Filter":"email ^= \"a\"","PaginationToken":"T"}`},
		{"users delete-attributes", []string{"--pool", "p", "--username", "u", "--name", "nickname", "--name", "custom:x"},
			`{"UserPoolId":"p","Username":"u","UserAttributeNames":["nickname","custom:x"]}`},
		{"groups create", []string{"--pool", "p", "--group", "admins", "--precedence", "1"},
			`{"UserPoolId":"p","GroupName":"admins","Precedence":1}`},
		{"resource-servers create", []string{"--pool", "p", "--identifier", "api", "--name", "API", "--scope", "read=Read things"},
			`{"UserPoolId":"p","Identifier":"api","Name":"API","Scopes":[{"ScopeName":"read","ScopeDescription":"Read things"}]}`},
		{"pools update", []string{"--json", `{"UserPoolId":"p","MfaConfiguration":"OFF","Policies":{"PasswordPolicy":{"MinimumLength":8}}}`,
			"--mfa", "OPTIONAL", "--require-numbers"},
			`{"UserPoolId":"p","MfaConfiguration":"OPTIONAL","Policies":{"PasswordPolicy":{"MinimumLength":8,"RequireNumbers":true}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parse(t, tt.name, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			var want map[string]any
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			gotJSON, _ := json.Marshal(got)
			var gotNorm map[string]any
			json.Unmarshal(gotJSON, &gotNorm)
			wantJSON, _ := json.Marshal(want)
			normJSON, _ := json.Marshal(gotNorm)
			if string(normJSON) != string(wantJSON) {
				t.Fatalf("got  %s\nwant %s", normJSON, wantJSON)
			}
		})
	}
}

func TestBuildRequestRejects(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"pools get", nil, "--pool is required"},
		{"pools create", []string{"--min-length", "x", "--name", "P"}, "not an integer"},
		{"pools create", []string{"--case-sensitive=maybe", "--name", "P"}, "not true or false"},
		{"users create", []string{"--pool", "p", "--username", "u", "--attr", "email"}, "want name=value"},
		{"users create", []string{"--pool", "p", "--username", "u", "--attr", "=x"}, "want name=value"},
		{"users update-attributes", []string{"--pool", "p", "--username", "u"}, "--attr is required"},
		{"pools update", []string{"--json", "[1]"}, "--json is not a JSON object"},
		{"pools list", []string{"--nope"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" "+strings.Join(tt.args, " "), func(t *testing.T) {
			_, err := parse(t, tt.name, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

// Every row of the table is listed by userpool help on its group's line, every listed
// subcommand runs a row, and an unknown subcommand's error names the group's subcommands.
func TestHelpListsCommandTable(t *testing.T) {
	var stdout, stderr strings.Builder
	if code := run([]string{"help"}, env{getenv: func(string) string { return "" }, stdout: &stdout, stderr: &stderr}); code != 0 {
		t.Fatalf("help exited %d: %s", code, stderr.String())
	}
	_, listing, ok := strings.Cut(stdout.String(), "Management API")
	if !ok {
		t.Fatalf("help has no Management API section:\n%s", stdout.String())
	}
	lines := map[string][]string{} // group -> subcommands shown on its line
	var order []string
	for _, line := range strings.Split(listing, "\n") {
		f := strings.Fields(line)
		if len(f) != 2 || !strings.HasPrefix(line, "  ") || f[0] == "api" {
			continue
		}
		if _, dup := lines[f[0]]; dup {
			t.Errorf("group %s listed twice", f[0])
		}
		lines[f[0]] = strings.Split(f[1], "|")
		order = append(order, f[0])
	}
	listed := 0
	for group, subs := range lines {
		for _, sub := range subs {
			listed++
			if _, ok := commands[group+" "+sub]; !ok {
				t.Errorf("help lists %s %s, which has no row", group, sub)
			}
		}
	}
	for name := range commands {
		group, sub, _ := strings.Cut(name, " ")
		if !slices.Contains(lines[group], sub) {
			t.Errorf("row %q is not listed by help", name)
		}
	}
	if listed != len(commands) {
		t.Errorf("help lists %d commands, the table has %d", listed, len(commands))
	}
	if len(order) < 2 || order[0] != "pools" || order[1] != "apps" {
		t.Errorf("groups shown in order %v, want pools, apps first", order)
	}
	if got := lines["pools"]; len(got) < 2 || got[0] != "create" || got[1] != "list" {
		t.Errorf("pools subcommands %v, want create, list first", got)
	}

	stderr.Reset()
	if code := run([]string{"users", "frobnicate"}, env{getenv: func(string) string { return "" }, stdout: &stdout, stderr: &stderr}); code != 2 ||
		!strings.Contains(stderr.String(), strings.Join(subcommands("users"), ", ")) {
		t.Errorf("unknown subcommand: exit %d, stderr %q", code, stderr.String())
	}
	if subcommands("nope") != nil {
		t.Error("subcommands of a group that does not exist")
	}
}

// No command defines a flag twice or shadows a flag every command has.
func TestCommandFlagsUnique(t *testing.T) {
	for name, c := range commands {
		seen := map[string]bool{}
		for _, f := range c.fields {
			if seen[f.flag] || slices.Contains([]string{"endpoint", "region", "data-dir", "output", "json"}, f.flag) {
				t.Errorf("%s: flag --%s defined twice", name, f.flag)
			}
			seen[f.flag] = true
		}
	}
}

func TestPrintTable(t *testing.T) {
	var b strings.Builder
	body := `{"Users":[{"Username":"u1","UserStatus":"CONFIRMED","Enabled":true,"UserCreateDate":1700000000.5,
		"Attributes":[{"Name":"email","Value":"a@b.c"},{"Name":"sub","Value":"S1"}]}],"PaginationToken":"next"}`
	if err := printTable(&b, []byte(body), usersTable); err != nil {
		t.Fatal(err)
	}
	want := "USERNAME  STATUS     ENABLED  EMAIL  SUB  CREATED\n" +
		"u1        CONFIRMED  true     a@b.c  S1   2023-11-14T22:13:20Z\n" +
		"more: --next-token next\n"
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}

	b.Reset()
	single := `{"UserPool":{"Id":"local_a","Name":"P","CreationDate":0,"UsernameAttributes":["email"],
		"SchemaAttributes":[{"Name":"email"},{"Name":"sub"}]}}`
	if err := printTable(&b, []byte(single), nil); err != nil {
		t.Fatal(err)
	}
	if want := "FIELD               VALUE\nCreationDate        1970-01-01T00:00:00Z\nId                  local_a\nName                P\n" +
		"SchemaAttributes    (2 items)\nUsernameAttributes  [\"email\"]\n"; b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
	if err := printTable(&b, []byte(`not json`), nil); err == nil {
		t.Fatal("printTable accepted a non-JSON body")
	}
}

func TestHealthEndpoints(t *testing.T) {
	sealer, err := seal.New(seal.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	store, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "db.sqlite"), sealer)
	if err != nil {
		t.Fatal(err)
	}
	r := mux.NewRouter()
	mountHealth(r, store, slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(r)
	defer srv.Close()

	get := func(path string) (int, string) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != 200 || body != "ok" {
		t.Fatalf("/healthz = %d %q", code, body)
	}
	if code, body := get("/readyz"); code != 200 || body != "ok" {
		t.Fatalf("/readyz = %d %q", code, body)
	}
	store.Close()
	if code, _ := get("/readyz"); code != http.StatusServiceUnavailable {
		t.Fatalf("/readyz with the database closed = %d, want 503", code)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Fatalf("/healthz with the database closed = %d, want 200", code)
	}
}
