package main

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestServeAdminConsole(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	s := startServer(t, dataDir, nil)
	created := regexp.MustCompile(`Created the admin console's first operator \(shown once; also saved in (\S+)\)\. Open \S+/admin/ and sign in as "admin" with the temporary password:\n  (\S+)\n`).
		FindStringSubmatch(s.stdout.String())
	if created == nil {
		t.Fatalf("no console credentials on stdout:\n%s", s.stdout)
	}
	if strings.Contains(s.stderr.String(), created[2]) {
		t.Fatal("the operator's password was logged")
	}
	path := filepath.Join(dataDir, ConsoleCredentialsFile)
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 || created[1] != path {
		t.Fatalf("credentials file %s: %v %v", created[1], info, err)
	}
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), "USERPOOL_CONSOLE_PASSWORD="+created[2]+"\n") ||
		!strings.Contains(string(b), "USERPOOL_CONSOLE_POOL=local_system000\n") {
		t.Fatalf("credentials file:\n%s", b)
	}
	// The console sends a signed-out browser to the system pool's hosted sign-in.
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(s.url + "/admin/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/admin/login") {
		t.Fatalf("/admin/: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}
	// The next start creates no operator.
	s = startServer(t, dataDir, nil)
	if strings.Contains(s.stdout.String(), "first operator") {
		t.Fatalf("operator created twice:\n%s", s.stdout)
	}
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}
}
