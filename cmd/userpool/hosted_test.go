package main

import (
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestServeDemo(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	s := startServer(t, dataDir, nil)
	created := regexp.MustCompile(`Created the demo pool (\S+)\. Open .*/demo and sign in as "demo" with the password \(shown once\):\n  (\S+)\n`).
		FindStringSubmatch(s.stdout.String())
	if created == nil {
		t.Fatalf("no demo credentials on stdout:\n%s", s.stdout)
	}
	if strings.Contains(s.stderr.String(), created[2]) {
		t.Fatal("the demo password was logged")
	}
	get := func(url string) (int, string) {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(s.url + "/demo"); code != http.StatusOK || !strings.Contains(body, created[1]) {
		t.Fatalf("/demo: %d %s", code, body)
	}
	if code, _ := get(s.url + "/" + created[1] + "/.well-known/openid-configuration"); code != http.StatusOK {
		t.Fatalf("demo pool discovery: %d", code)
	}
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}

	// The next start finds the demo pool: no new user, no password printed.
	s = startServer(t, dataDir, nil)
	if strings.Contains(s.stdout.String(), "Created the demo pool") {
		t.Fatalf("demo created twice:\n%s", s.stdout)
	}
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}

	// --no-demo: no /demo, and no pool on a fresh database.
	s = startServer(t, t.TempDir(), []string{"USERPOOL_NO_DEMO=1"})
	if code, _ := get(s.url + "/demo"); code != http.StatusNotFound || strings.Contains(s.stdout.String(), "demo") {
		t.Fatalf("--no-demo: /demo answered %d; stdout:\n%s", code, s.stdout)
	}
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}
}
