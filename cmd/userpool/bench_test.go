package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestBench runs userpool bench against a real server for a moment: every scenario runs
// without errors (speed is not asserted here), and the bench pool is gone afterwards.
func TestBench(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	s := startServer(t, dataDir, []string{"USERPOOL_NO_DEMO=1"})
	common := []string{"bench", "--endpoint", s.url, "--data-dir", dataDir}

	r := cli(t, nil, append(common, "--duration", "200ms", "--concurrency", "2", "--server-cores", "1")...)
	if r.code != 0 {
		t.Fatalf("bench: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, sc := range benchScenarios {
		// scenario, requests, req/s, 4 latencies, errors 0
		row := regexp.MustCompile(`(?m)^\s*` + sc + `\s+[1-9]\d*\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+0\s`)
		if !row.MatchString(r.stdout) {
			t.Errorf("no error-free row for %s:\n%s\n%s", sc, r.stdout, r.stderr)
		}
	}
	for _, want := range []string{"RS256 signatures/s", "argon2id hashes/s", "argon2id at m=19456 KiB, t=2, p=1", "just before and just after the scenario"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	// The raw limit measured on the server's CPU: one this test may run on.
	cpu := strconv.Itoa(allowedCPU(t))
	r = cli(t, nil, append(common, "--duration", "200ms", "--concurrency", "1", "--server-cpus", cpu, "--scenario", "client_credentials")...)
	if r.code != 0 || !strings.Contains(r.stdout, "on the server's CPU(s) "+cpu+" (--server-cpus)") || !strings.Contains(r.stdout, "RS256 signatures/s") {
		t.Errorf("bench --server-cpus %s: exit %d\n%s\n%s", cpu, r.code, r.stdout, r.stderr)
	}
	pools := ok(t, nil, "pools", "list", "--endpoint", s.url, "--data-dir", dataDir)
	if list, _ := pools["UserPools"].([]any); len(list) != 0 {
		t.Errorf("the bench pool was not deleted: %v", list)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--scenario", "login"}, `unknown --scenario "login"`},
		{[]string{"--concurrency", "0"}, "--concurrency must be at least 1"},
		{[]string{"--duration", "0s"}, "--duration must be positive"},
		{[]string{"--client", "abc"}, "--client and --secret go together"},
		{[]string{"--client", "abc", "--secret", "x"}, "--client needs --pool"},
		{[]string{"--pool", "local_x", "--client", "abc", "--secret", "x", "--scenario", "password"}, "needs a user"},
		{[]string{"--algorithm", "HS256"}, "--algorithm must be RS256 or ES256"},
		{[]string{"--endpoint", "ftp://x"}, "must be an http:// or https:// URL"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"--server-cpus", "x"}, `--server-cpus: "x" is not a CPU list`},
		{[]string{"--server-cpus", "3-1"}, `--server-cpus: "3-1" is not a CPU list`},
		{[]string{"--server-cpus", "4096"}, "--server-cpus: CPU 4096: this machine has CPUs 0 to"},
	} {
		r := fails(t, nil, tc.want, append(common, tc.args...)...)
		if r.code != 2 {
			t.Errorf("%v: exit %d, want 2", tc.args, r.code)
		}
	}
	// A pool that does not exist: a clear error, nothing created.
	fails(t, nil, "ResourceNotFound", append(common, "--pool", "local_nope123", "--scenario", "password")...)
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}
}

func TestParseCPUList(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []int
	}{
		{"0", []int{0}},
		{"0,2", []int{0, 2}},
		{"1-3", []int{1, 2, 3}},
		{"0-1,1,3", []int{0, 1, 3}},
	} {
		got, err := parseCPUList(tc.in, 4)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%q: %v %v, want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "a", "-1", "2-1", "0,", "4", "0-4", "1-"} {
		if got, err := parseCPUList(bad, 4); err == nil {
			t.Errorf("%q: %v, want an error", bad, got)
		}
	}
}

// allowedCPU is the last CPU this process may run on (Linux's Cpus_allowed_list).
func allowedCPU(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Cpus_allowed_list:"); ok {
			cpus, err := parseCPUList(strings.TrimSpace(v), machineCPUs())
			if err != nil || len(cpus) == 0 {
				t.Fatalf("Cpus_allowed_list %q: %v", v, err)
			}
			return cpus[len(cpus)-1]
		}
	}
	t.Skip("no Cpus_allowed_list")
	return 0
}
