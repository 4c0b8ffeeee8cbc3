package main

import (
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

// TestTuneGC: serve collects less often than Go's default unless GOGC says otherwise, and
// keeps the heap under 80 % of a container's memory limit unless GOMEMLIMIT says otherwise.
func TestTuneGC(t *testing.T) {
	prevGC, prevLimit, prevPath := debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64), cgroupMemoryMax
	t.Cleanup(func() { debug.SetGCPercent(prevGC); debug.SetMemoryLimit(prevLimit); cgroupMemoryMax = prevPath })
	dir := t.TempDir()
	limited, unlimited := filepath.Join(dir, "limited"), filepath.Join(dir, "unlimited")
	if err := os.WriteFile(limited, []byte("1073741824\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(unlimited, []byte("max\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, gogc, gomemlimit, cgroup string
		wantGC                         int
		wantLimit                      int64
	}{
		{"defaults in a container", "", "", limited, serverGCPercent, 858993456},
		{"no memory limit", "", "", unlimited, serverGCPercent, math.MaxInt64},
		{"no cgroup file", "", "", filepath.Join(dir, "absent"), serverGCPercent, math.MaxInt64},
		// The operator's settings (read by the runtime at start) are left alone.
		{"GOGC set", "50", "", unlimited, 100, math.MaxInt64},
		{"GOGC off", "off", "", unlimited, 100, math.MaxInt64},
		{"GOMEMLIMIT set", "", "512MiB", limited, serverGCPercent, math.MaxInt64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			debug.SetGCPercent(100)
			debug.SetMemoryLimit(math.MaxInt64)
			cgroupMemoryMax = tc.cgroup
			tuneGC(env{getenv: func(k string) string {
				return map[string]string{"GOGC": tc.gogc, "GOMEMLIMIT": tc.gomemlimit}[k]
			}})
			if got := debug.SetGCPercent(100); got != tc.wantGC {
				t.Errorf("GC percent %d, want %d", got, tc.wantGC)
			}
			if got := debug.SetMemoryLimit(-1); got != tc.wantLimit {
				t.Errorf("memory limit %d, want %d", got, tc.wantLimit)
			}
		})
	}
}
