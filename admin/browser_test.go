package admin_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/userpool/userpool/admin"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/user"
)

// TestBrowserSmoke drives Debian's Chromium headless through the console: the sign-in on the
// hosted page, the dashboard with its chart, a pool, an app and a user created through the
// forms, and the user found in the list. Screenshots
// go to $USERPOOL_TEST_SCREENSHOTS (or a temporary folder) as admin-*.png.
func TestBrowserSmoke(t *testing.T) {
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("USERPOOL_TEST_REQUIRE_ALL") == "1" {
			t.Fatal("chromium is not installed (apt-get install chromium) and USERPOOL_TEST_REQUIRE_ALL=1")
		}
		t.Skip("chromium is not installed")
	}
	c := newConsole(t, storagetest.SQLite(t))
	ctx := context.Background()
	if err := c.users.AdminSetPassword(ctx, c.creds.PoolID, admin.FirstOperator, operatorPassword, true); err != nil {
		t.Fatal(err)
	}
	// A pool with some activity for the chart.
	pl, err := c.pools.CreatePool(ctx, &pool.Pool{Name: "Shop customers"})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ann", "bob", "cy"} {
		if _, _, err := c.users.AdminCreateUser(ctx, pl.Id, user.AdminCreateUserInput{Username: name, MessageAction: "SUPPRESS"}); err != nil {
			t.Fatal(err)
		}
		if err := c.users.AdminSetPassword(ctx, pl.Id, name, "Passw0rd-"+name+"!", true); err != nil {
			t.Fatal(err)
		}
		_, _ = c.users.SignIn(ctx, pl.Id, name, "Passw0rd-"+name+"!")
	}
	_, _ = c.users.SignIn(ctx, pl.Id, "ann", "wrong")

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	defer cancelAlloc()
	bctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	// A bound on a hang, not a timing check.
	bctx, cancelTimeout := context.WithTimeout(bctx, 2*time.Minute)
	defer cancelTimeout()

	dir := os.Getenv("USERPOOL_TEST_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	do := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, steps...); err != nil {
			loc, _ := chromedp.Run(bctx, chromedp.Location())
			t.Fatalf("%v at %s", err, loc)
		}
	}
	html := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(bctx, chromedp.OuterHTML(chromedp.CSS(sel)))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	shot := func(name string) {
		t.Helper()
		b, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "admin-"+name+".png"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	do(chromedp.Navigate(c.srv.URL+"/admin/?pool="+pl.Id), chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SetValue(chromedp.ID("username"), admin.FirstOperator), chromedp.SetValue(chromedp.ID("password"), operatorPassword),
		chromedp.Click(chromedp.CSS("#main form button.primary")), chromedp.WaitVisible(chromedp.CSS(".chart svg")))
	dashboard := html("main")
	shot("dashboard")
	do(chromedp.Navigate(c.srv.URL+"/admin/pools"), chromedp.WaitVisible(chromedp.ID("name")),
		chromedp.SetValue(chromedp.ID("name"), "Partners"), chromedp.Click(chromedp.CSS("main form button.primary")),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	created := html("main")
	shot("pool")
	poolURL, err := chromedp.Run(bctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	poolURL = strings.TrimSuffix(poolURL[:strings.Index(poolURL+"?", "?")], "/")

	// An app and a user through the forms; the user is found in the list by email prefix.
	do(chromedp.Navigate(poolURL+"/apps/new"), chromedp.WaitVisible(chromedp.ID("name")),
		chromedp.SetValue(chromedp.ID("name"), "web"), chromedp.Click(chromedp.CSS("main form button.primary")),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	app := html("main")
	shot("app")
	do(chromedp.Navigate(poolURL+"/users"), chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SetValue(chromedp.ID("username"), "jane"), chromedp.SetValue(chromedp.ID("email"), "jane@example.com"),
		chromedp.Click(chromedp.CSS(`main form[action$="/users"] button.primary`)), chromedp.WaitVisible(chromedp.CSS(".notice")))
	do(chromedp.Navigate(poolURL+"/users?field=email&q=jane%40"), chromedp.WaitVisible(chromedp.CSS("main table")))
	users := html("main")
	shot("users")
	do(chromedp.Navigate(poolURL+"/branding"), chromedp.WaitVisible(chromedp.ID("css")))
	shot("branding")
	if !strings.Contains(app, "Created.") || !strings.Contains(users, "jane@example.com") || !strings.Contains(users, ">jane<") {
		t.Fatalf("app or user through the console:\n%s\n%s", app, users)
	}
	if !strings.Contains(dashboard, "3 sign-ups, 3 sign-ins, 1 failed sign-ins") {
		t.Fatalf("dashboard chart: %s", dashboard)
	}
	if !strings.Contains(created, "Pool settings") {
		t.Fatalf("after creating a pool: %s", created)
	}
}
