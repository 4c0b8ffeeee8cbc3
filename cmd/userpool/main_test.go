package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/userpool/userpool/accesskey"
	"github.com/userpool/userpool/storage/storagetest"
)

const testVersion = "test-1.2.3"

// bin is the userpool binary, built once by TestMain with a version set through -ldflags.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "userpool-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "userpool")
	build := exec.Command("go", "build", "-o", bin, "-ldflags", "-X main.version="+testVersion, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build userpool:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// baseEnv is the test process's environment without settings that would change the binary's
// behaviour.
func baseEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "USERPOOL_") && !strings.HasPrefix(kv, "AWS_") {
			out = append(out, kv)
		}
	}
	return out
}

// syncBuffer collects a child's output while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type server struct {
	cmd            *exec.Cmd
	url, dataDir   string
	stdout, stderr *syncBuffer
	done           chan error
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// startServer runs userpool serve on a free port and waits until /readyz answers 200.
func startServer(t *testing.T, dataDir string, env []string, args ...string) *server {
	t.Helper()
	addr := freeAddr(t)
	s := &server{url: "http://" + addr, dataDir: dataDir, stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan error, 1)}
	s.cmd = exec.Command(bin, append([]string{"serve", "--listen", addr, "--data-dir", dataDir, "--public-url", s.url}, args...)...)
	s.cmd.Env = append(baseEnv(), env...)
	s.cmd.Stdout, s.cmd.Stderr = s.stdout, s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			s.cmd.Process.Kill()
			<-s.done
		}
	})
	for {
		select {
		case err := <-s.done:
			s.done <- err
			t.Fatalf("server exited before it was ready (%v):\n%s", err, s.stderr)
		case <-time.After(50 * time.Millisecond):
		}
		resp, err := http.Get(s.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
	}
}

// stop sends SIGTERM and returns the exit error (nil for exit code 0).
func (s *server) stop(t *testing.T) error {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	return <-s.done
}

type result struct {
	stdout, stderr string
	code           int
}

// cli runs the binary with env added to the clean environment.
func cli(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(baseEnv(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{stdout.String(), stderr.String(), code}
}

// ok runs a command that must succeed and decodes its JSON output.
func ok(t *testing.T, env []string, args ...string) map[string]any {
	t.Helper()
	r := cli(t, env, args...)
	if r.code != 0 {
		t.Fatalf("userpool %s: exit %d: %s", strings.Join(args, " "), r.code, r.stderr)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("userpool %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, r.stdout)
	}
	return out
}

// fails runs a command that must fail with one line on stderr containing want.
func fails(t *testing.T, env []string, want string, args ...string) result {
	t.Helper()
	r := cli(t, env, args...)
	if r.code == 0 {
		t.Fatalf("userpool %s succeeded:\n%s", strings.Join(args, " "), r.stdout)
	}
	if msg := strings.TrimSpace(r.stderr); strings.Count(msg, "\n") != 0 || !strings.Contains(msg, want) {
		t.Fatalf("userpool %s: stderr %q, want one line containing %q", strings.Join(args, " "), r.stderr, want)
	}
	return r
}

func TestServeAndCLI(t *testing.T) {
	testServeAndCLI(t, nil)
}

func TestServeAndCLIOnPostgres(t *testing.T) {
	testServeAndCLI(t, []string{"--database-url", storagetest.Postgres(t).URL})
}

func testServeAndCLI(t *testing.T, serverArgs []string) {
	dataDir := filepath.Join(t.TempDir(), "data") // does not exist yet: serve creates it
	s := startServer(t, dataDir, nil, serverArgs...)

	resp, err := http.Get(s.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "ok" {
		t.Fatalf("/healthz = %d %q", resp.StatusCode, body)
	}

	// The generated admin key: printed once and written to admin-credentials (0600).
	credPath := filepath.Join(dataDir, accesskey.CredentialsFile)
	st, err := os.Stat(credPath)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("admin-credentials: %v, mode %v", err, st.Mode())
	}
	if st, err := os.Stat(filepath.Join(dataDir, "master.key")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("master.key: %v", err)
	}
	id, secret, err := accesskey.ReadCredentialsFile(credPath)
	if err != nil {
		t.Fatal(err)
	}
	if out := s.stdout.String(); !strings.Contains(out, id) || !strings.Contains(out, secret) {
		t.Fatalf("the generated key was not printed:\n%s", out)
	}
	logs := s.stderr.String()
	for _, want := range []string{"listen=" + strings.TrimPrefix(s.url, "http://"), "database=", "data_dir="} {
		if !strings.Contains(logs, want) {
			t.Errorf("start-up log lacks %q:\n%s", want, logs)
		}
	}

	// The CLI finds the key through --data-dir, or through either pair of variables.
	byFile := []string{"USERPOOL_ENDPOINT=" + s.url, "USERPOOL_DATA_DIR=" + dataDir}
	byEnv := []string{"USERPOOL_ENDPOINT=" + s.url, "USERPOOL_ADMIN_ACCESS_KEY_ID=" + id, "USERPOOL_ADMIN_SECRET_ACCESS_KEY=" + secret}
	byAWS := []string{"AWS_ACCESS_KEY_ID=" + id, "AWS_SECRET_ACCESS_KEY=" + secret}

	poolOut := ok(t, byFile, "pools", "create", "--name", "Test pool", "--username-attributes", "email", "--min-length", "10")
	pool, _ := poolOut["UserPool"].(map[string]any)
	poolID, _ := pool["Id"].(string)
	if !strings.HasPrefix(poolID, "local_") {
		t.Fatalf("pool id %q, response %v", poolID, poolOut)
	}

	app := ok(t, byEnv, "apps", "create", "--pool", poolID, "--name", "web", "--generate-secret",
		"--callback-url", "https://app.example.com/cb", "--oauth-flow", "code", "--oauth-scope", "openid,email")
	client, _ := app["UserPoolClient"].(map[string]any)
	if client["ClientId"] == "" || client["ClientSecret"] == "" || client["ClientName"] != "web" {
		t.Fatalf("apps create: %v", app)
	}

	for _, email := range []string{"alice@example.com", "bob@example.org"} {
		ok(t, byEnv, "users", "create", "--pool", poolID, "--username", email, "--attr", "email="+email,
			"--temporary-password", "Temp-Passw0rd!", "--message-action", "SUPPRESS")
	}
	list := ok(t, append(byAWS, "USERPOOL_ENDPOINT="+s.url), "users", "list", "--pool", poolID, "--filter", `email ^= "alice"`)
	users, _ := list["Users"].([]any)
	if len(users) != 1 || !strings.Contains(fmt.Sprint(users[0]), "alice@example.com") {
		t.Fatalf("users list --filter: %v", list)
	}

	table := cli(t, byEnv, "users", "list", "--pool", poolID, "--output", "table")
	if table.code != 0 {
		t.Fatalf("users list --output table: %s", table.stderr)
	}
	lines := strings.Split(strings.TrimSpace(table.stdout), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "USERNAME") || !strings.Contains(table.stdout, "bob@example.org") ||
		!strings.Contains(table.stdout, "FORCE_CHANGE_PASSWORD") {
		t.Fatalf("users list --output table:\n%s", table.stdout)
	}
	pools := cli(t, byEnv, "pools", "list", "--output", "table")
	if !strings.Contains(pools.stdout, poolID) || !strings.HasPrefix(pools.stdout, "ID") {
		t.Fatalf("pools list --output table:\n%s%s", pools.stdout, pools.stderr)
	}

	raw := ok(t, byEnv, "api", "ListUserPools", `{"MaxResults": 10}`)
	if !strings.Contains(fmt.Sprint(raw), poolID) {
		t.Fatalf("api ListUserPools: %v", raw)
	}

	// Failures: the server's exception and message on one line, exit code 1.
	fails(t, byEnv, "UsernameExistsException", "users", "create", "--pool", poolID, "--username", "alice@example.com",
		"--attr", "email=alice@example.com", "--message-action", "SUPPRESS")
	fails(t, byEnv, "ResourceNotFoundException", "pools", "get", "--pool", "local_doesnotexist")
	fails(t, byEnv, "InvalidParameterException", "api", "ListUsers", `{"UserPoolId": "`+poolID+`", "Filter": "email ~ \"x\""}`)
	bogus := []string{"USERPOOL_ENDPOINT=" + s.url, "USERPOOL_ADMIN_ACCESS_KEY_ID=AKIAUNKNOWN000000000", "USERPOOL_ADMIN_SECRET_ACCESS_KEY=" + secret}
	fails(t, bogus, "UnrecognizedClientException", "pools", "list")
	wrongSecret := []string{"USERPOOL_ENDPOINT=" + s.url, "USERPOOL_ADMIN_ACCESS_KEY_ID=" + id, "USERPOOL_ADMIN_SECRET_ACCESS_KEY=wrong-secret-0123456789"}
	fails(t, wrongSecret, "InvalidSignatureException", "pools", "list")
	// Mistakes on the command line: exit code 2, nothing sent.
	if r := fails(t, byEnv, "--pool is required", "pools", "get"); r.code != 2 {
		t.Errorf("missing flag: exit %d, want 2", r.code)
	}
	fails(t, byEnv, "unknown subcommand", "pools", "frobnicate")
	fails(t, byEnv, "not an integer", "pools", "create", "--name", "x", "--min-length", "ten")
	fails(t, byEnv, "not a JSON object", "api", "ListUserPools", "{")
	fails(t, []string{"USERPOOL_ENDPOINT=" + s.url, "USERPOOL_DATA_DIR=" + t.TempDir()}, "no admin credentials", "pools", "list")
	fails(t, []string{"USERPOOL_ENDPOINT=http://" + freeAddr(t)}, "cannot reach the management API", "pools", "list", "--data-dir", dataDir)

	// access-keys work on the database directly, beside the running server.
	dbArgs := append([]string{"--data-dir", dataDir}, serverArgs...)
	keyList := cli(t, nil, append([]string{"access-keys", "list"}, dbArgs...)...)
	if keyList.code != 0 || !strings.Contains(keyList.stdout, id) || strings.Contains(keyList.stdout, secret) {
		t.Fatalf("access-keys list (exit %d):\n%s%s", keyList.code, keyList.stdout, keyList.stderr)
	}
	second := cli(t, nil, append([]string{"access-keys", "create", "--id", "AKIASECONDKEY0000000", "--secret", "second-secret-0123456789"}, dbArgs...)...)
	if second.code != 0 {
		t.Fatalf("access-keys create: %s", second.stderr)
	}
	secondEnv := []string{"USERPOOL_ENDPOINT=" + s.url, "USERPOOL_ADMIN_ACCESS_KEY_ID=AKIASECONDKEY0000000", "USERPOOL_ADMIN_SECRET_ACCESS_KEY=second-secret-0123456789"}
	ok(t, secondEnv, "pools", "list")
	if r := cli(t, nil, append([]string{"access-keys", "disable", "AKIASECONDKEY0000000"}, dbArgs...)...); r.code != 0 {
		t.Fatalf("access-keys disable: %s", r.stderr)
	}
	fails(t, secondEnv, "UnrecognizedClientException", "pools", "list")
	if r := cli(t, nil, append([]string{"access-keys", "delete", "--id", "AKIASECONDKEY0000000"}, dbArgs...)...); r.code != 0 {
		t.Fatalf("access-keys delete: %s", r.stderr)
	}
	fails(t, nil, "InvalidParameterException", append([]string{"access-keys", "create", "--id", "short"}, dbArgs...)...)
	fails(t, nil, "access key AKIASECONDKEY0000000 does not exist", append([]string{"access-keys", "enable", "AKIASECONDKEY0000000"}, dbArgs...)...)

	if err := s.stop(t); err != nil {
		t.Fatalf("SIGTERM: %v\n%s", err, s.stderr)
	}

	// A second start on the same data dir keeps the key and prints none.
	s2 := startServer(t, dataDir, nil, serverArgs...)
	if out := s2.stdout.String(); strings.Contains(out, "admin access key") {
		t.Fatalf("second start printed a key:\n%s", out)
	}
	ok(t, []string{"USERPOOL_ENDPOINT=" + s2.url, "USERPOOL_DATA_DIR=" + dataDir}, "pools", "get", "--pool", poolID)
	if err := s2.stop(t); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
}

func TestConfiguredAdminKey(t *testing.T) {
	dataDir := t.TempDir()
	env := []string{"USERPOOL_ADMIN_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "USERPOOL_ADMIN_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	s := startServer(t, dataDir, env)
	if _, err := os.Stat(filepath.Join(dataDir, accesskey.CredentialsFile)); !os.IsNotExist(err) {
		t.Fatalf("admin-credentials written for a configured key: %v", err)
	}
	if strings.Contains(s.stdout.String()+s.stderr.String(), "wJalrXUtnFEMI") {
		t.Fatal("the configured secret was printed")
	}
	ok(t, append(env, "USERPOOL_ENDPOINT="+s.url), "pools", "list")
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}
}

func TestVersion(t *testing.T) {
	r := cli(t, nil, "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "userpool "+testVersion+" (go") {
		t.Fatalf("version: %q %q", r.stdout, r.stderr)
	}
}

func TestStartupErrors(t *testing.T) {
	// An existing data dir set up with its own master.key.
	existing := t.TempDir()
	if r := cli(t, nil, "migrate", "--data-dir", existing); r.code != 0 {
		t.Fatalf("migrate: %s", r.stderr)
	}
	otherKey := make([]byte, 32)
	rand.Read(otherKey)

	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()

	aFile := filepath.Join(t.TempDir(), "file")
	os.WriteFile(aFile, nil, 0o600)

	tests := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"wrong master key", []string{"USERPOOL_MASTER_KEY=" + base64.StdEncoding.EncodeToString(otherKey)},
			[]string{"--data-dir", existing}, "USERPOOL_MASTER_KEY"},
		{"damaged master key", []string{"USERPOOL_MASTER_KEY=abc"}, []string{"--data-dir", existing}, "invalid USERPOOL_MASTER_KEY"},
		{"port taken", nil, []string{"--data-dir", t.TempDir(), "--listen", taken.Addr().String()}, "--listen"},
		{"unparsable public URL", nil, []string{"--data-dir", t.TempDir(), "--public-url", "localhost:8080/x"}, "--public-url"},
		{"bad region", []string{"USERPOOL_REGION=Not_OK"}, []string{"--data-dir", t.TempDir()}, "--region (USERPOOL_REGION)"},
		{"data dir is a file", nil, []string{"--data-dir", aFile}, "--data-dir"},
		{"unreachable database", nil, []string{"--data-dir", t.TempDir(), "--database-url", "postgres://u:hunter2@" + freeAddr(t) + "/db?sslmode=disable"}, "--database-url"},
		{"unknown database scheme", nil, []string{"--data-dir", t.TempDir(), "--database-url", "mysql://db/x"}, "--database-url"},
		{"unknown flag", nil, []string{"--nope"}, "flag provided but not defined"},
		{"bad SMTP URL", []string{"USERPOOL_SMTP_URL=smtpx://u:hunter2@mail.example.com", "USERPOOL_MAIL_FROM=a@example.com"},
			[]string{"--data-dir", t.TempDir()}, "scheme must be smtp or smtps"},
		{"SMTP without a From address", nil, []string{"--data-dir", t.TempDir(), "--smtp-url", "smtp://u:hunter2@mail.example.com"}, "USERPOOL_MAIL_FROM is required"},
		{"bad From address", nil, []string{"--data-dir", t.TempDir(), "--mail-from", "nobody"}, "--mail-from (USERPOOL_MAIL_FROM)"},
		{"SMS webhook without a secret", nil, []string{"--data-dir", t.TempDir(), "--sms-webhook-url", "https://sms.example.com/hook"}, "USERPOOL_SMS_WEBHOOK_SECRET is required"},
		{"SMS webhook not HTTP", []string{"USERPOOL_SMS_WEBHOOK_SECRET=hunter2"}, []string{"--data-dir", t.TempDir(), "--sms-webhook-url", "ftp://sms.example.com"}, "expected an http:// or https:// URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"serve", "--listen", freeAddr(t)}, tt.args...)
			r := fails(t, tt.env, tt.want, args...)
			if strings.Contains(r.stderr, "hunter2") {
				t.Fatalf("the database password was printed: %s", r.stderr)
			}
		})
	}

	// The wrong key changed nothing: the right one still opens the database.
	if r := cli(t, nil, "migrate", "--data-dir", existing); r.code != 0 {
		t.Fatalf("migrate with the right key: %s", r.stderr)
	}
}
