package admin_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/userpool/userpool/admin"
	"github.com/userpool/userpool/internal/browsertest"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/user"
)

// The browser tests drive Debian's Chromium headless through the console and save a
// screenshot of each page (see browsertest.Tab).

// chromium starts a headless Chromium for the test and returns its context; it skips when
// Chromium is missing, unless USERPOOL_TEST_REQUIRE_ALL=1.
func chromium(t *testing.T) context.Context { return browsertest.Chromium(t, 1280, 900) }

// newTab is a fresh browser profile (its own cookies): an operator, or a user of an app. Its
// screenshots are admin-*.png.
func newTab(t *testing.T, browser context.Context) *browsertest.Tab {
	return browsertest.NewTab(t, browser, "admin-")
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
	tb.Do(chromedp.Navigate(c.srv.URL+"/admin/?pool="+pl.Id), chromedp.WaitVisible(chromedp.ID("username")))
	tb.Fill(map[string]string{"username": admin.FirstOperator, "password": operatorPassword}, "#main form button.primary",
		chromedp.WaitVisible(chromedp.CSS(".chart svg")))
	dashboard, err := chromedp.Run(tb.Ctx, chromedp.OuterHTML(chromedp.CSS("main")))
	if err != nil {
		t.Fatal(err)
	}
	tb.Shot("dashboard")
	tb.Do(chromedp.Navigate(c.srv.URL+"/admin/pools"), chromedp.WaitVisible(chromedp.ID("name")))
	tb.Fill(map[string]string{"name": "Partners"}, "main form button.primary", consolePage("Pool settings", "Created."))
	tb.Shot("pool")
	poolURL := tb.Location()
	poolURL = strings.TrimSuffix(poolURL[:strings.Index(poolURL+"?", "?")], "/")

	// An app and a user through the forms; the user is found in the list by email prefix.
	tb.Do(chromedp.Navigate(poolURL+"/apps/new"), chromedp.WaitVisible(chromedp.ID("name")))
	tb.Fill(map[string]string{"name": "web"}, "main form button.primary", consolePage("App web", "Created."))
	tb.Shot("app")
	tb.Do(chromedp.Navigate(poolURL+"/users"), chromedp.WaitVisible(chromedp.ID("username")))
	tb.Fill(map[string]string{"username": "jane", "email": "jane@example.com"}, `main form[action$="/users"] button.primary`,
		consolePage("User jane", "Created."))
	tb.Do(chromedp.Navigate(poolURL+"/users?field=email&q=jane%40"), chromedp.WaitVisible(chromedp.CSS("main table")))
	users := tb.Text("main table")
	tb.Shot("users")
	tb.Do(chromedp.Navigate(poolURL+"/branding"), chromedp.WaitVisible(chromedp.ID("css")))
	tb.Shot("branding")
	if !strings.Contains(users, "jane@example.com") || !strings.Contains(users, "jane") {
		t.Fatalf("the user in the list:\n%s", users)
	}
	if !strings.Contains(dashboard, "3 sign-ups, 3 sign-ins, 1 failed sign-ins") {
		t.Fatalf("dashboard chart: %s", dashboard)
	}
}
