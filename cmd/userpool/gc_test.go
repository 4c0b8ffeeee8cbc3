package main

import (
	"runtime/debug"
	"testing"
)

// TestTuneGC: serve collects less often than Go's default, unless GOGC says otherwise.
func TestTuneGC(t *testing.T) {
	prev := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(prev) })
	for _, tc := range []struct {
		gogc string
		want int
	}{
		{"", serverGCPercent},
		{"50", 100}, // the operator's GOGC (read by the runtime at start) is left alone
		{"off", 100},
	} {
		debug.SetGCPercent(100)
		tuneGC(env{getenv: func(k string) string {
			if k == "GOGC" {
				return tc.gogc
			}
			return ""
		}})
		if got := debug.SetGCPercent(100); got != tc.want {
			t.Errorf("GOGC=%q: GC percent %d, want %d", tc.gogc, got, tc.want)
		}
	}
}
