package admin_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/userpool/userpool/admin"
	"github.com/userpool/userpool/internal/browsertest"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/user"
)

// The browser tests drive Debian's Chromium headless through the console and save a
// screenshot of each page as admin-*.png in $USERPOOL_TEST_SCREENSHOTS, or else in the test's
// artifact folder (go test -artifacts -outputdir DIR keeps them).

// chromium starts a headless Chromium for the test and returns its context; it skips when
// Chromium is missing, unless USERPOOL_TEST_REQUIRE_ALL=1.
func chromium(t *testing.T) context.Context { return browsertest.Chromium(t, 1280, 900) }

// tab is a fresh browser profile (its own cookies): an operator, or a user of an app.
type tab struct {
	t   *testing.T
	ctx context.Context
	dir string
}

func newTab(t *testing.T, browser context.Context) *tab {
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
	return &tab{t: t, ctx: ctx, dir: dir}
}

// do runs the steps, failing the test with where the browser is and what it shows.
func (tb *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	// A bound on a hang, not a timing check: the tab outlives it, to tell where it stopped.
	ctx, cancel := context.WithTimeout(tb.ctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
		defer cancel()
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		tb.t.Fatalf("%v at %s:\n%s", err, loc, body)
	}
}

// fill sets the inputs by id, presses the button and waits for the next page.
func (tb *tab) fill(values map[string]string, button string, next chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	var steps []chromedp.Action[chromedp.Void]
	for id, v := range values {
		steps = append(steps, chromedp.SetValue(chromedp.ID(id), v))
	}
	tb.do(append(steps, chromedp.Click(chromedp.CSS(button)), next)...)
}

// text is the rendered text of the first element sel matches.
func (tb *tab) text(sel string) string {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		tb.t.Fatalf("%s: %v", sel, err)
	}
	return v
}

func (tb *tab) location() string {
	tb.t.Helper()
	loc, err := chromedp.Run(tb.ctx, chromedp.Location())
	if err != nil {
		tb.t.Fatal(err)
	}
	return loc
}

// shot saves a screenshot of the whole page as admin-name.png.
func (tb *tab) shot(name string) {
	tb.t.Helper()
	b, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tb.dir, "admin-"+name+".png"), b, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

// consolePage waits for the console page titled h1, showing notice when it is not empty: a
// page the previous one cannot pass for.
func consolePage(h1, notice string) chromedp.Action[chromedp.Void] {
	xpath := fmt.Sprintf(`//main[h1=%q]`, h1)
	if notice != "" {
		xpath += fmt.Sprintf(`/div[@class="notice"][.=%q]`, notice)
	}
	return chromedp.WaitVisible(chromedp.Search(xpath))
}

// hostedAlert waits for the hosted page's alert containing text.
func hostedAlert(text string) chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(chromedp.Search(fmt.Sprintf(`//div[@id="alert"][contains(., %q)]`, text)))
}

// TestBrowserSmoke signs in on the hosted page and looks at the dashboard with its chart, a
// pool, an app and a user created through the forms, and the user found in the list.
func TestBrowserSmoke(t *testing.T) {
	browser := chromium(t)
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

	tb := newTab(t, browser)
	tb.do(chromedp.Navigate(c.srv.URL+"/admin/?pool="+pl.Id), chromedp.WaitVisible(chromedp.ID("username")))
	tb.fill(map[string]string{"username": admin.FirstOperator, "password": operatorPassword}, "#main form button.primary",
		chromedp.WaitVisible(chromedp.CSS(".chart svg")))
	dashboard, err := chromedp.Run(tb.ctx, chromedp.OuterHTML(chromedp.CSS("main")))
	if err != nil {
		t.Fatal(err)
	}
	tb.shot("dashboard")
	tb.do(chromedp.Navigate(c.srv.URL+"/admin/pools"), chromedp.WaitVisible(chromedp.ID("name")))
	tb.fill(map[string]string{"name": "Partners"}, "main form button.primary", consolePage("Pool settings", "Created."))
	tb.shot("pool")
	poolURL := tb.location()
	poolURL = strings.TrimSuffix(poolURL[:strings.Index(poolURL+"?", "?")], "/")

	// An app and a user through the forms; the user is found in the list by email prefix.
	tb.do(chromedp.Navigate(poolURL+"/apps/new"), chromedp.WaitVisible(chromedp.ID("name")))
	tb.fill(map[string]string{"name": "web"}, "main form button.primary", consolePage("App web", "Created."))
	tb.shot("app")
	tb.do(chromedp.Navigate(poolURL+"/users"), chromedp.WaitVisible(chromedp.ID("username")))
	tb.fill(map[string]string{"username": "jane", "email": "jane@example.com"}, `main form[action$="/users"] button.primary`,
		consolePage("User jane", "Created."))
	tb.do(chromedp.Navigate(poolURL+"/users?field=email&q=jane%40"), chromedp.WaitVisible(chromedp.CSS("main table")))
	users := tb.text("main table")
	tb.shot("users")
	tb.do(chromedp.Navigate(poolURL+"/branding"), chromedp.WaitVisible(chromedp.ID("css")))
	tb.shot("branding")
	if !strings.Contains(users, "jane@example.com") || !strings.Contains(users, "jane") {
		t.Fatalf("the user in the list:\n%s", users)
	}
	if !strings.Contains(dashboard, "3 sign-ups, 3 sign-ins, 1 failed sign-ins") {
		t.Fatalf("dashboard chart: %s", dashboard)
	}
}
