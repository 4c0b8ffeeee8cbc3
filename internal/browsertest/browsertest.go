// Package browsertest starts Debian's Chromium headless for the browser tests of the hosted
// pages and the admin console, with the flags this kind of machine needs.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

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

// Tab is a fresh browser profile (its own cookies) in the test's browser: an operator, or a
// user of an app. Its screenshots go to $USERPOOL_TEST_SCREENSHOTS, or else to the test's
// artifact folder (go test -artifacts -outputdir DIR keeps them), named prefix+name.png.
type Tab struct {
	t      *testing.T
	Ctx    context.Context
	dir    string
	prefix string
}

// NewTab opens a tab in browser (from Chromium) for the rest of the test.
func NewTab(t *testing.T, browser context.Context, screenshotPrefix string) *Tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // opens the tab, for as long as ctx lives
		t.Fatalf("open a tab: %v", err)
	}
	dir := os.Getenv("USERPOOL_TEST_SCREENSHOTS")
	if dir == "" {
		dir = t.ArtifactDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &Tab{t: t, Ctx: ctx, dir: dir, prefix: screenshotPrefix}
}

// T is the tab's test.
func (tb *Tab) T() *testing.T { return tb.t }

// Do runs the steps, failing the test with where the browser is and what it shows.
func (tb *Tab) Do(steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	// A bound on a hang, not a timing check: the tab outlives it, to tell where it stopped.
	ctx, cancel := context.WithTimeout(tb.Ctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		ctx, cancel := context.WithTimeout(tb.Ctx, 10*time.Second)
		defer cancel()
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		tb.t.Fatalf("%v at %s:\n%s", err, loc, body)
	}
}

// Fill sets the inputs by id, presses the button and waits for next.
func (tb *Tab) Fill(values map[string]string, button string, next chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	var steps []chromedp.Action[chromedp.Void]
	for id, v := range values {
		steps = append(steps, chromedp.SetValue(chromedp.ID(id), v))
	}
	tb.Do(append(steps, chromedp.Click(chromedp.CSS(button)), next)...)
}

// Text is the rendered text of the first element sel matches.
func (tb *Tab) Text(sel string) string {
	tb.t.Helper()
	v, err := chromedp.Run(tb.Ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		tb.t.Fatalf("%s: %v", sel, err)
	}
	return v
}

// Eval returns the string value of the JavaScript expression js.
func (tb *Tab) Eval(js string) string {
	tb.t.Helper()
	v, err := chromedp.Run(tb.Ctx, chromedp.Evaluate[string](js))
	if err != nil {
		tb.t.Fatalf("%s: %v", js, err)
	}
	return v
}

// Location is the page's URL.
func (tb *Tab) Location() string {
	tb.t.Helper()
	loc, err := chromedp.Run(tb.Ctx, chromedp.Location())
	if err != nil {
		tb.t.Fatal(err)
	}
	return loc
}

// Shot saves a screenshot of the whole page as prefix+name.png.
func (tb *Tab) Shot(name string) {
	tb.t.Helper()
	b, err := chromedp.Run(tb.Ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tb.dir, tb.prefix+name+".png"), b, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}
