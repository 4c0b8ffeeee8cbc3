// Package browsertest starts Debian's Chromium headless for the browser tests of the hosted
// pages and the admin console, with the flags this kind of machine needs.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/chromedp/chromedp"
)

// Chromium starts a headless Chromium with a window of width×height and returns its context;
// the browser stops when the test ends. It skips the test when Chromium is missing, unless
// USERPOOL_TEST_REQUIRE_ALL=1, when it fails it.
func Chromium(t *testing.T, width, height int) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("USERPOOL_TEST_REQUIRE_ALL") == "1" {
			t.Fatal("chromium is not installed (apt-get install chromium) and USERPOOL_TEST_REQUIRE_ALL=1")
		}
		t.Skip("chromium is not installed")
	}
	// Without the background-networking flags Chromium keeps dialling Google's hosts, which a
	// closed network refuses.
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-default-browser-check", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(width, height))
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}
