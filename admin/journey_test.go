package admin_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/userpool/userpool/message"
	"github.com/userpool/userpool/message/messagetest"
	"github.com/userpool/userpool/message/smtptest"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/user"
)

var mailCodeRE = regexp.MustCompile(`\b([0-9]{6})\b`)

// mailbox is the test SMTP server behind the outbox worker, read one message at a time.
type mailbox struct {
	t    *testing.T
	srv  *smtptest.Server
	seen int
}

// withMail sends the console's messages (invitations, codes) through the outbox worker to a
// test SMTP server.
func (c *console) withMail() *mailbox {
	c.t.Helper()
	srv := smtptest.Start(c.t, smtptest.Options{})
	senders, err := message.NewSenders(message.Config{SMTPURL: "smtp://" + srv.Addr, MailFrom: "Userpool <no-reply@example.com>"}, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	worker := messagetest.RunWorker(c.t, c.store, senders)
	c.users.SetMessaging(user.Messaging{CodeKey: []byte("console browser test code key..."), PublicURL: c.srv.URL, Wake: worker.Wake})
	c.admin.Outbox = worker
	return &mailbox{t: c.t, srv: srv}
}

// next waits for the next message, which must be to to, and returns its text.
func (m *mailbox) next(to string) string {
	m.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a bound on a hang, not a timing check
	defer cancel()
	got := m.srv.Wait(ctx, m.seen+1)
	if len(got) <= m.seen {
		m.t.Fatalf("no message to %s arrived", to)
	}
	msg := got[m.seen]
	m.seen++
	if !strings.Contains(msg.To, to) {
		m.t.Fatalf("message to %s, want %s", msg.To, to)
	}
	return smtptest.Parse(m.t, msg.Data).Text
}

// TestBrowserJourneys walks an operator through the console in Chromium, from the first
// sign-in with the printed temporary password to deleting what they made, while a user of
// the operator's app signs in in a second browser profile and sees each change: refused while
// disabled, signed out by the app's revocation, sent a reset code.
func TestBrowserJourneys(t *testing.T) {
	browser := chromium(t)
	c := newConsole(t, storagetest.SQLite(t))
	ctx := context.Background()
	mail := c.withMail()
	// The app the pool's users sign in to: its callback page says it got a code.
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><title>App</title><p id="app-done">The app got a code.</p>`)
	}))
	t.Cleanup(app.Close)
	const (
		janeTemp     = "Temp-Passw0rd-1!"
		janePassword = "Jane-Passw0rd-1!"
		janeReset    = "Jane-Passw0rd-2!"
		submit       = "#main form button.primary"
	)

	op := newTab(t, browser)
	t.Log("first sign-in with the printed temporary password, and the forced change")
	op.Do(chromedp.Navigate(c.srv.URL+"/admin/"), chromedp.WaitVisible(chromedp.ID("username")))
	if !strings.Contains(op.Location(), "/"+c.creds.PoolID+"/login") {
		t.Fatalf("the console did not send the browser to the hosted sign-in: %s", op.Location())
	}
	op.Shot("signin")
	op.Fill(map[string]string{"username": c.creds.Username, "password": c.creds.Password}, submit, chromedp.WaitVisible(chromedp.ID("password-confirm")))
	op.Shot("new-password")
	op.Fill(map[string]string{"password": operatorPassword, "password-confirm": operatorPassword}, submit, consolePage("Dashboard", ""))
	if who := op.Text("header .who"); who != c.creds.Username {
		t.Fatalf("signed in as %q", who)
	}
	op.Shot("dashboard-first")

	t.Log("create a pool and an app")
	op.Do(chromedp.Click(chromedp.CSS(`nav.nav a[href="/admin/pools"]`)), consolePage("Pools", ""))
	op.Shot("pools")
	op.Fill(map[string]string{"name": "Shop customers"}, submit, consolePage("Pool settings", "Created."))
	op.Shot("pool-created")
	poolID := path.Base(strings.SplitN(op.Location(), "?", 2)[0])
	if _, err := c.pools.GetPool(ctx, poolID); err != nil {
		t.Fatalf("pool %s: %v", poolID, err)
	}
	tabLink := func(tab string) chromedp.Action[chromedp.Void] {
		return chromedp.Click(chromedp.CSS(`nav.tabs a[href="/admin/pools/` + poolID + tab + `"]`))
	}
	op.Do(tabLink("/apps"), consolePage("Apps", ""), chromedp.Click(chromedp.CSS(`main a.button.primary`)), consolePage("New app", ""))
	op.Do(chromedp.Click(chromedp.ID("secret")), chromedp.Click(chromedp.ID("flow-code")))
	op.Shot("app-new")
	op.Fill(map[string]string{"name": "web", "callbacks": app.URL + "/cb"}, submit, consolePage("App web", "Created. Copy the secret now or show it again later."))
	op.Shot("app-created")
	apps, _, err := c.pools.ListClients(ctx, poolID, pool.Page{})
	if err != nil || len(apps) != 1 || apps[0].ClientSecret == "" || !strings.Contains(op.Text("section.secret"), apps[0].ClientSecret) {
		t.Fatalf("apps: %+v %v", apps, err)
	}
	client, clientID := apps[0], apps[0].ClientId
	provider, err := oidc.NewProvider(ctx, c.srv.URL+"/"+poolID)
	if err != nil {
		t.Fatal(err)
	}
	rp := &oauth2.Config{ClientID: clientID, ClientSecret: client.ClientSecret, Endpoint: provider.Endpoint(),
		RedirectURL: app.URL + "/cb", Scopes: []string{oidc.ScopeOpenID, "email"}}

	t.Log("create a user, with an invitation")
	op.Do(tabLink("/users"), consolePage("Users", ""))
	op.Fill(map[string]string{"username": "jane", "email": "jane@example.com", "temp": janeTemp}, `main form[action$="/users"] button.primary`,
		consolePage("User jane", "Created."))
	op.Shot("user-created")
	if text := mail.next("jane@example.com"); !strings.Contains(text, janeTemp) {
		t.Fatalf("the invitation lacks the temporary password:\n%s", text)
	}

	t.Log("find a user who signed up by their email prefix, and confirm them")
	if _, err := c.users.SignUp(ctx, client, user.SignUpInput{Username: "sam", Password: "Sam-Passw0rd-1!",
		Attributes: []user.Attribute{{Name: "email", Value: "sam@example.com"}}}); err != nil {
		t.Fatal(err)
	}
	mail.next("sam@example.com") // the code sam did not use
	op.Do(tabLink("/users"), consolePage("Users", ""), chromedp.SetValue(chromedp.ID("field"), user.FieldEmail), chromedp.SetValue(chromedp.ID("q"), "sam@"),
		chromedp.Click(chromedp.CSS(`form[role="search"] button`)), chromedp.WaitVisible(chromedp.Search(`//input[@id="q"][@value="sam@"]`)))
	op.Shot("users-search")
	if found := op.Text("main table tbody"); !strings.Contains(found, "sam@example.com") || !strings.Contains(found, "UNCONFIRMED") || strings.Contains(found, "jane") {
		t.Fatalf("search by email prefix found:\n%s", found)
	}
	op.Do(chromedp.Click(chromedp.Search(`//main//table//a[.="sam"]`)), consolePage("User sam", ""))
	op.Shot("user-unconfirmed")
	op.Do(chromedp.Click(chromedp.CSS(`button[value="confirm"]`)), consolePage("User sam", "The user is confirmed."))
	if u, err := c.users.Get(ctx, poolID, "sam"); err != nil || u.Status != user.StatusConfirmed {
		t.Fatalf("sam after confirming: %+v %v", u, err)
	}

	t.Log("disable a user: their sign-in is refused on the hosted page")
	openJane := []chromedp.Action[chromedp.Void]{tabLink("/users"), consolePage("Users", ""), chromedp.Click(chromedp.Search(`//main//table//a[.="jane"]`)),
		consolePage("User jane", "")}
	op.Do(openJane...)
	op.Do(chromedp.Click(chromedp.CSS(`button[value="disable"]`)), consolePage("Are you sure?", ""))
	op.Shot("confirm-disable")
	op.Do(chromedp.Click(chromedp.CSS(`main form button.danger`)), consolePage("User jane", "The user is disabled."))
	op.Shot("user-disabled")
	jane := newTab(t, browser)
	signIn := func(state, password string, next chromedp.Action[chromedp.Void]) {
		t.Helper()
		jane.Do(chromedp.Navigate(rp.AuthCodeURL(state)), chromedp.WaitVisible(chromedp.ID("username")))
		jane.Fill(map[string]string{"username": "jane", "password": password}, submit, next)
	}
	signIn("st1", janeTemp, hostedAlert("User is disabled."))
	jane.Shot("hosted-disabled")

	t.Log("enable: she signs in, sets her password and the app gets a refresh token")
	op.Do(chromedp.Click(chromedp.CSS(`button[value="enable"]`)), consolePage("User jane", "The user is enabled."))
	signIn("st2", janeTemp, chromedp.WaitVisible(chromedp.ID("password-confirm")))
	jane.Fill(map[string]string{"password": janePassword, "password-confirm": janePassword}, submit, chromedp.WaitVisible(chromedp.ID("app-done")))
	tok := exchange(t, rp, jane.Location(), "st2")

	t.Log("reset MFA")
	op.Do(chromedp.Click(chromedp.ID("mfa-confirm")), chromedp.Click(chromedp.CSS(`form[action$="/mfa"] button.danger`)),
		consolePage("User jane", "The user's MFA is reset."))
	op.Shot("user-mfa-reset")

	t.Log("revoke all tokens of the app: a refresh token issued before fails at the token endpoint")
	// It works until then (rotation may hand out a new one: both must stop working).
	refreshed, err := rp.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil {
		t.Fatalf("refresh before the revocation: %v", err)
	}
	op.Do(tabLink("/apps"), consolePage("Apps", ""), chromedp.Click(chromedp.Search(`//main//table//a[.="web"]`)), consolePage("App web", ""),
		chromedp.Click(chromedp.ID("revoke-confirm")), chromedp.Click(chromedp.CSS(`form[action$="/revoke"] button.danger`)),
		consolePage("App web", "Every token of the app is revoked."))
	op.Shot("app-revoked")
	for _, rt := range []string{tok.RefreshToken, refreshed.RefreshToken} {
		_, err := rp.TokenSource(ctx, &oauth2.Token{RefreshToken: rt}).Token()
		var re *oauth2.RetrieveError
		if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
			t.Fatalf("refresh after the revocation: %v", err)
		}
	}

	t.Log("reset the password: the code arrives by mail and she chooses a new password with it")
	op.Do(openJane...)
	op.Do(chromedp.Click(chromedp.CSS(`button[value="reset"]`)), consolePage("Are you sure?", ""),
		chromedp.Click(chromedp.CSS(`main form button.danger`)),
		consolePage("User jane", "The password is reset: a code to choose a new one is on its way to the user."))
	op.Shot("user-reset")
	code := mailCodeRE.FindStringSubmatch(mail.next("jane@example.com"))
	if code == nil {
		t.Fatal("no code in the reset message")
	}
	jane = newTab(t, browser) // another device: the first one still has her session
	// The hosted page tells her to reset it; she enters the code she was sent on the reset page.
	signIn("st3", janePassword, hostedAlert("You must reset your password before you can sign in."))
	jane.Shot("hosted-reset-required")
	forgot, err := chromedp.Run(jane.Ctx, chromedp.Evaluate[string](`document.querySelector('a[href*="/forgot?"]').href`))
	if err != nil {
		t.Fatal(err)
	}
	reset, err := url.Parse(forgot)
	if err != nil {
		t.Fatal(err)
	}
	q := reset.Query()
	q.Set("username", "jane")
	reset.Path, reset.RawQuery = path.Dir(reset.Path)+"/reset", q.Encode()
	jane.Do(chromedp.Navigate(reset.String()), chromedp.WaitVisible(chromedp.ID("code")))
	jane.Fill(map[string]string{"code": code[1], "password": janeReset, "password-confirm": janeReset}, submit, chromedp.WaitVisible(chromedp.ID("app-done")))
	exchange(t, rp, jane.Location(), "st3")

	t.Log("delete the user, the app and the pool")
	op.Do(openJane...)
	op.Fill(map[string]string{"confirm": "jane"}, `form[action$="/delete"] button.danger`, consolePage("Users", "Deleted."))
	op.Shot("user-deleted")
	if _, err := c.users.Get(ctx, poolID, "jane"); err == nil {
		t.Fatal("jane was not deleted")
	}
	if found := op.Text("main table tbody"); strings.Contains(found, "jane") || !strings.Contains(found, "sam") {
		t.Fatalf("users after the deletion:\n%s", found)
	}
	op.Do(tabLink("/apps"), consolePage("Apps", ""), chromedp.Click(chromedp.Search(`//main//table//a[.="web"]`)), consolePage("App web", ""))
	op.Fill(map[string]string{"delete-confirm": "web"}, `form[action$="/delete"] button.danger`, consolePage("Apps", "Deleted."))
	if _, err := c.pools.GetClient(ctx, poolID, clientID); err == nil {
		t.Fatal("the app was not deleted")
	}
	op.Do(tabLink(""), consolePage("Pool settings", ""))
	op.Fill(map[string]string{"confirm": poolID}, `form[action$="/delete"] button.danger`, consolePage("Pools", "Deleted."))
	op.Shot("pool-deleted")
	if _, err := c.pools.GetPool(ctx, poolID); err == nil {
		t.Fatal("the pool was not deleted")
	}
}

// exchange trades the code at the app's callback location for tokens.
func exchange(t *testing.T, rp *oauth2.Config, location, state string) *oauth2.Token {
	t.Helper()
	u, err := url.Parse(location)
	if err != nil || u.Query().Get("state") != state || u.Query().Get("code") == "" {
		t.Fatalf("the app got no code: %s", location)
	}
	tok, err := rp.Exchange(context.Background(), u.Query().Get("code"))
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("exchange: %v %+v", err, tok)
	}
	return tok
}
