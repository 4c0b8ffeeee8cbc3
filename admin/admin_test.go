package admin_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gorilla/mux"
	"golang.org/x/oauth2"

	"github.com/userpool/userpool/admin"
	"github.com/userpool/userpool/audit"
	"github.com/userpool/userpool/branding"
	"github.com/userpool/userpool/keys"
	"github.com/userpool/userpool/login"
	"github.com/userpool/userpool/mfa"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/provider"
	"github.com/userpool/userpool/seal"
	"github.com/userpool/userpool/session"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/trigger"
	"github.com/userpool/userpool/user"
)

const operatorPassword = "Operator-Passw0rd!"

// console is the server as cmd/userpool wires it (provider, hosted pages, console) over real
// HTTP, with a clock the test moves.
type console struct {
	t      *testing.T
	srv    *httptest.Server
	store  *storage.Store
	pools  *pool.Service
	users  *user.Service
	admin  *admin.Handler
	creds  *admin.Credentials
	mu     sync.Mutex
	offset time.Duration
}

func (c *console) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *console) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

func newConsole(t *testing.T, db storagetest.Database) *console {
	t.Helper()
	ctx := context.Background()
	st := db.Open(t)
	c := &console{t: t, store: st, pools: pool.NewService(st, "local")}
	c.users = user.NewService(st, c.pools, user.DefaultHasher())
	sealer, err := seal.New(db.Key)
	if err != nil {
		t.Fatal(err)
	}
	ks, err := keys.New(st, sealer, keys.Config{})
	if err != nil {
		t.Fatal(err)
	}
	c.srv = httptest.NewUnstartedServer(nil)
	c.srv.Start()
	t.Cleanup(c.srv.Close)
	var key [32]byte
	copy(key[:], "admin console test crypto key...")
	prov, err := provider.New(provider.Config{PublicURL: c.srv.URL, CryptoKey: key}, c.pools, st, st, ks)
	if err != nil {
		t.Fatal(err)
	}
	r := mux.NewRouter()
	(&login.Handler{Pools: c.pools, Users: c.users, Sessions: &session.Browsers{Store: st}, Authorizer: prov,
		Branding: &branding.Service{Store: st, Pools: c.pools}, PublicURL: c.srv.URL, CSRFKey: login.DeriveCSRFKey(db.Key)}).Mount(r)
	prov.Mount(r)
	brands := &branding.Service{Store: st, Pools: c.pools}
	c.admin = &admin.Handler{Pools: c.pools, Users: c.users, Keys: ks, Messages: st, Tokens: st, Sessions: st,
		Branding: brands, Triggers: trigger.NewService(st, c.pools, trigger.Config{AllowPrivateNetworks: true}), TriggerSecrets: st,
		MFA: mfa.NewService(st, c.pools, c.users), Audit: &audit.Log{Store: st, Now: c.now},
		PublicURL: c.srv.URL, CSRFKey: admin.DeriveCSRFKey(db.Key), Local: r, Now: c.now}
	if c.creds, err = c.admin.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	if c.creds == nil || c.creds.Username != admin.FirstOperator || c.creds.Password == "" || c.creds.PoolID != "local_system000" {
		t.Fatalf("first operator: %+v", c.creds)
	}
	// A second Setup (the next start) finds everything and creates nothing.
	again := &admin.Handler{Pools: c.pools, Users: c.users, PublicURL: c.srv.URL}
	if creds, err := again.Setup(ctx); err != nil || creds != nil || again.ClientID() != c.admin.ClientID() {
		t.Fatalf("second setup: %+v %v", creds, err)
	}
	c.admin.Mount(r)
	c.srv.Config.Handler = r
	return c
}

// browser is a cookie-keeping client that follows redirects on the server and stops at
// redirects elsewhere (to an app).
func (c *console) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if !strings.HasPrefix(req.URL.String(), c.srv.URL) || len(via) > 10 {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

type page struct {
	status int
	url    string
	body   string
	header http.Header
}

func (c *console) do(b *http.Client, method, path string, form url.Values) page {
	c.t.Helper()
	u := path
	if strings.HasPrefix(path, "/") {
		u = c.srv.URL + path
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, url: resp.Request.URL.String(), body: string(raw), header: resp.Header}
}

func (c *console) get(b *http.Client, path string) page { return c.do(b, http.MethodGet, path, nil) }

var (
	formRE   = regexp.MustCompile(`(?s)<form method="post" action="([^"]*)"[^>]*>(.*?)</form>`)
	hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	csrfRE   = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
)

// submit fills the first post form of p whose action contains action with the hidden fields
// and values, and posts it.
func (c *console) submit(b *http.Client, p page, action string, values url.Values) page {
	c.t.Helper()
	for _, m := range formRE.FindAllStringSubmatch(p.body, -1) {
		if !strings.Contains(html.UnescapeString(m[1]), action) {
			continue
		}
		form := url.Values{}
		for _, h := range hiddenRE.FindAllStringSubmatch(m[2], -1) {
			form.Set(h[1], html.UnescapeString(h[2]))
		}
		for k, v := range values {
			form[k] = v
		}
		target, _ := url.Parse(p.url)
		ref, _ := url.Parse(html.UnescapeString(m[1]))
		return c.do(b, http.MethodPost, target.ResolveReference(ref).String(), form)
	}
	c.t.Fatalf("no form to %s on %s (%d): %s", action, p.url, p.status, p.body)
	return page{}
}

// confirmed answers "Yes" on p when it is a confirmation page, and returns the result.
func (c *console) confirmed(b *http.Client, p page) page {
	c.t.Helper()
	if !strings.Contains(p.body, "<h1>Are you sure?</h1>") {
		c.t.Fatalf("no confirmation asked at %s (%d): %s", p.url, p.status, p.body)
	}
	u, _ := url.Parse(p.url)
	return c.submit(b, p, u.Path, nil)
}

// csrf returns the console token of the browser (from any console page).
func (c *console) csrf(b *http.Client) string {
	c.t.Helper()
	m := csrfRE.FindStringSubmatch(c.get(b, "/admin/").body)
	if m == nil {
		c.t.Fatal("no CSRF token on the dashboard")
	}
	return m[1]
}

// signIn goes to the console and signs in on the system pool's hosted page.
func (c *console) signIn(b *http.Client, username, password string) page {
	c.t.Helper()
	p := c.get(b, "/admin/")
	if !strings.Contains(p.url, "/"+c.creds.PoolID+"/login") {
		c.t.Fatalf("console did not send the browser to the hosted sign-in: %s", p.url)
	}
	return c.submit(b, p, "/login", url.Values{"username": {username}, "password": {password}})
}

// operator is a browser signed in as the first operator, with a permanent password.
func (c *console) operator() *http.Client {
	c.t.Helper()
	if err := c.users.AdminSetPassword(context.Background(), c.creds.PoolID, admin.FirstOperator, operatorPassword, true); err != nil {
		c.t.Fatal(err)
	}
	b := c.browser()
	if p := c.signIn(b, admin.FirstOperator, operatorPassword); p.status != http.StatusOK || !strings.Contains(p.body, "<h1>Dashboard</h1>") {
		c.t.Fatalf("sign-in did not reach the dashboard: %d %s %s", p.status, p.url, p.body)
	}
	return b
}

func TestFirstSignInForcesNewPassword(t *testing.T) {
	c := newConsole(t, storagetest.SQLite(t))
	b := c.browser()
	p := c.signIn(b, c.creds.Username, c.creds.Password)
	if !strings.Contains(p.url, "/newpassword") {
		t.Fatalf("temporary password did not lead to the new-password page: %d %s", p.status, p.url)
	}
	p = c.submit(b, p, "/newpassword", url.Values{"password": {operatorPassword}, "password_confirm": {operatorPassword}})
	if p.status != http.StatusOK || !strings.Contains(p.body, "<h1>Dashboard</h1>") || !strings.Contains(p.body, ">admin</span>") {
		t.Fatalf("after the new password: %d %s %s", p.status, p.url, p.body)
	}
	u, err := c.users.Get(context.Background(), c.creds.PoolID, admin.FirstOperator)
	if err != nil || u.Status != user.StatusConfirmed {
		t.Fatalf("operator after first sign-in: %+v %v", u, err)
	}
}

func TestConsoleJourney(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, db storagetest.Database) {
		c := newConsole(t, db)
		ctx := context.Background()
		b := c.operator()

		// Create a pool through the form and find it through the domain.
		p := c.submit(b, c.get(b, "/admin/pools"), "/admin/pools", url.Values{"name": {"Shop customers"}})
		if p.status != http.StatusOK || !strings.Contains(p.body, "Created.") {
			t.Fatalf("create pool: %d %s", p.status, p.body)
		}
		pools, _, err := c.pools.ListPools(ctx, pool.Page{Limit: 60})
		if err != nil || len(pools) != 1 || pools[0].Name != "Shop customers" {
			t.Fatalf("pools: %v %v (the system pool must not be listed)", pools, err)
		}
		pl := pools[0]
		base := "/admin/pools/" + pl.Id

		// Settings: password policy, then an invalid one changes nothing.
		p = c.submit(b, c.get(b, base), "/settings", url.Values{"section": {"password"}, "min_length": {"12"}, "temp_days": {"3"}, "upper": {"true"}})
		if !strings.Contains(p.body, "Saved.") {
			t.Fatalf("password policy: %d %s", p.status, p.body)
		}
		if got, _ := c.pools.GetPool(ctx, pl.Id); got.Policies.PasswordPolicy.MinimumLength != 12 || got.Policies.PasswordPolicy.RequireNumbers {
			t.Fatalf("policy not saved: %+v", got.Policies.PasswordPolicy)
		}
		p = c.submit(b, c.get(b, base), "/settings", url.Values{"section": {"password"}, "min_length": {"2"}, "temp_days": {"3"}})
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, `role="alert"`) ||
			!strings.Contains(p.body, `aria-invalid="true" aria-describedby="min_length-error"`) || !strings.Contains(p.body, `id="min_length-error">PasswordPolicy.MinimumLength`) {
			t.Fatalf("bad policy (the error must be next to its field): %d %s", p.status, p.body)
		}
		if got, _ := c.pools.GetPool(ctx, pl.Id); got.Policies.PasswordPolicy.MinimumLength != 12 {
			t.Fatal("a refused policy changed the pool")
		}
		// A custom attribute and a required one.
		if p = c.submit(b, c.get(b, base), "/settings", url.Values{"section": {"custom"}, "custom_name": {"tier"}, "custom_type": {"String"}, "custom_mutable": {"true"}}); !strings.Contains(p.body, "custom:tier") {
			t.Fatalf("custom attribute: %d %s", p.status, p.body)
		}

		// An app with a secret, through the form.
		p = c.submit(b, c.get(b, base+"/apps/new"), "/apps", url.Values{"name": {"web"}, "secret": {"true"}, "callbacks": {"https://rp.example/cb"},
			"flows": {"code"}, "scopes": {"openid email"}, "auth_flows": {"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"},
			"access": {"1"}, "access_unit": {"hours"}, "id": {"1"}, "id_unit": {"hours"}, "refresh": {"30"}, "refresh_unit": {"days"}})
		if p.status != http.StatusOK || !strings.Contains(p.body, "Client secret") {
			t.Fatalf("create app: %d %s", p.status, p.body)
		}
		apps, _, err := c.pools.ListClients(ctx, pl.Id, pool.Page{})
		if err != nil || len(apps) != 1 || apps[0].ClientSecret == "" || !strings.Contains(p.body, apps[0].ClientSecret) {
			t.Fatalf("apps: %v %v", apps, err)
		}
		app := apps[0]

		// A user through the form, found by email prefix.
		p = c.submit(b, c.get(b, base+"/users"), "/users", url.Values{"username": {"jane"}, "email": {"jane@example.com"}, "verified": {"true"},
			"password": {"Temp-Passw0rd-1"}})
		if p.status != http.StatusOK || !strings.Contains(p.body, "User jane") {
			t.Fatalf("create user: %d %s", p.status, p.body)
		}
		jane, err := c.users.Get(ctx, pl.Id, "jane")
		if err != nil || jane.Attributes["email"] != "jane@example.com" {
			t.Fatalf("user: %+v %v", jane, err)
		}
		if p = c.get(b, base+"/users?field=email&q=jane%40ex"); !strings.Contains(p.body, "/users/"+jane.Sub) {
			t.Fatalf("search by email prefix: %s", p.body)
		}
		if p = c.get(b, base+"/users?field=email&q=nobody"); strings.Contains(p.body, "/users/"+jane.Sub) {
			t.Fatal("search found a user that does not match")
		}
		// Attributes, with HTML in them: shown escaped.
		p = c.submit(b, c.get(b, base+"/users/"+jane.Sub), "/attributes", url.Values{"attr.name": {`<script>alert(1)</script>`}})
		if !strings.Contains(p.body, "Saved.") || strings.Contains(p.body, "<script>") || !strings.Contains(p.body, "&lt;script&gt;") {
			t.Fatalf("attribute with HTML: %d %s", p.status, p.body)
		}
		// Set a permanent password, disable, enable.
		p = c.submit(b, c.get(b, base+"/users/"+jane.Sub), "/password", url.Values{"password": {"Jane-Passw0rd-1!"}, "permanent": {"true"}})
		if !strings.Contains(p.body, "The password is set.") {
			t.Fatalf("set password: %s", p.body)
		}
		p = c.confirmed(b, c.submit(b, p, "/action", url.Values{"action": {"disable"}}))
		if u, _ := c.users.Get(ctx, pl.Id, "jane"); u.Enabled || !strings.Contains(p.body, "The user is disabled.") {
			t.Fatalf("disable: %v %s", u.Enabled, p.body)
		}
		c.submit(b, p, "/action", url.Values{"action": {"enable"}})
		if u, _ := c.users.Get(ctx, pl.Id, "jane"); !u.Enabled {
			t.Fatal("enable did not enable")
		}

		// A group through the form, with jane as a member.
		p = c.submit(b, c.get(b, base+"/groups"), "/groups", url.Values{"name": {"staff"}, "description": {`<b>bold</b>`}, "precedence": {"3"}})
		if !strings.Contains(p.body, "Created.") || strings.Contains(p.body, "<b>bold</b>") {
			t.Fatalf("create group: %d %s", p.status, p.body)
		}
		p = c.submit(b, c.get(b, base+"/groups/staff"), "/members", url.Values{"op": {"add"}, "username": {"jane"}})
		if members, _, err := c.users.ListUsersInGroup(ctx, pl.Id, "staff", pool.Page{}); err != nil || len(members) != 1 {
			t.Fatalf("members: %v %v %s", members, err, p.body)
		}

		// jane signs in to the app (a refresh token), once with a wrong password first.
		rp := c.relyingParty(pl, app)
		jb := c.browser()
		start := c.get(jb, rp.AuthCodeURL("st"))
		if p = c.submit(jb, start, "/login", url.Values{"username": {"jane"}, "password": {"wrong"}}); p.status == http.StatusFound {
			t.Fatal("a wrong password signed in")
		}
		p = c.submit(jb, p, "/login", url.Values{"username": {"jane"}, "password": {"Jane-Passw0rd-1!"}})
		loc, err := url.Parse(p.header.Get("Location"))
		if err != nil || loc.Query().Get("code") == "" {
			t.Fatalf("no code: %d %s %s", p.status, p.header.Get("Location"), p.body)
		}
		tok, err := rp.Exchange(oidc.ClientContext(ctx, http.DefaultClient), loc.Query().Get("code"))
		if err != nil || tok.RefreshToken == "" {
			t.Fatalf("exchange: %v %+v", err, tok)
		}

		// The dashboard's chart has the counts: 1 sign-up, 1 sign-in, 1 failed sign-in.
		p = c.get(b, "/admin/?pool="+pl.Id)
		for _, want := range []string{"<svg", "1 sign-ups, 1 sign-ins, 1 failed sign-ins", "Sign-ups: 1", "Failed sign-ins: 1", ": 1 Sign-ins</title>"} {
			if !strings.Contains(p.body, want) {
				t.Fatalf("dashboard lacks %q: %s", want, p.body)
			}
		}

		// Revoke all tokens of the app: the refresh token stops working.
		p = c.submit(b, c.get(b, base+"/apps/"+app.ClientId), "/revoke", url.Values{"confirm": {"yes"}})
		if !strings.Contains(p.body, "Every token of the app is revoked.") {
			t.Fatalf("revoke: %d %s", p.status, p.body)
		}
		if _, err := rp.TokenSource(oidc.ClientContext(ctx, http.DefaultClient), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err == nil {
			t.Fatal("a refresh token issued before the revocation still works")
		}

		// Regenerate the secret.
		p = c.confirmed(b, c.submit(b, c.get(b, base+"/apps/"+app.ClientId), "/secret", url.Values{"action": {"regenerate"}}))
		if got, _ := c.pools.GetClient(ctx, pl.Id, app.ClientId); got.ClientSecret == app.ClientSecret || !strings.Contains(p.body, got.ClientSecret) {
			t.Fatalf("secret not regenerated: %s", p.body)
		}

		// Every page renders.
		for _, path := range []string{"/admin/", "/admin/pools", base, base + "/templates", base + "/keys", base + "/apps", base + "/apps/new",
			base + "/apps/" + app.ClientId, base + "/users", base + "/users?status=CONFIRMED", base + "/users/" + jane.Sub, base + "/groups",
			base + "/groups/staff", base + "/messages", "/admin/pools/" + c.creds.PoolID + "/users"} {
			if p := c.get(b, path); p.status != http.StatusOK || !strings.Contains(p.body, "</html>") || !strings.HasPrefix(p.header.Get("Content-Security-Policy"), "default-src 'none'") {
				t.Errorf("GET %s: %d %s", path, p.status, p.body)
			}
		}

		// Template preview renders the submitted wording with the sample code.
		p = c.submit(b, c.get(b, base+"/templates"), "/templates", url.Values{"preview": {"invitation"},
			"invitation.emailSubject": {"Welcome <b>{username}</b>"}, "invitation.emailText": {"Hi {username}, your password is {####}"}})
		if p.status != http.StatusOK || !strings.Contains(p.body, "Welcome &lt;b&gt;jane.doe&lt;/b&gt;") || !strings.Contains(p.body, "your password is 123456") {
			t.Fatalf("preview: %d %s", p.status, p.body)
		}
		// Rotate the keys.
		if p = c.submit(b, c.get(b, base+"/keys"), "/keys/rotate", nil); !strings.Contains(p.body, "next") {
			t.Fatalf("rotate: %d %s", p.status, p.body)
		}

		// Delete with a wrong confirmation changes nothing; with the id, the pool goes.
		if p = c.submit(b, c.get(b, base), "/delete", url.Values{"confirm": {"nope"}}); p.status != http.StatusBadRequest {
			t.Fatalf("delete without confirmation: %d", p.status)
		}
		if p = c.submit(b, c.get(b, base), "/delete", url.Values{"confirm": {pl.Id}}); !strings.Contains(p.body, "Deleted.") {
			t.Fatalf("delete: %d %s", p.status, p.body)
		}
		if _, err := c.pools.GetPool(ctx, pl.Id); err == nil {
			t.Fatal("the pool was not deleted")
		}
		// The system pool cannot be deleted, even from the console.
		sys := "/admin/pools/" + c.creds.PoolID
		if p = c.submit(b, c.get(b, sys), "/delete", url.Values{"confirm": {c.creds.PoolID}}); p.status != http.StatusBadRequest {
			t.Fatalf("delete the system pool: %d %s", p.status, p.body)
		}
	})
}

// relyingParty is an x/oauth2 config for app, discovered with go-oidc.
func (c *console) relyingParty(pl *pool.Pool, app *pool.Client) *oauth2.Config {
	c.t.Helper()
	p, err := oidc.NewProvider(context.Background(), c.srv.URL+"/"+pl.Id)
	if err != nil {
		c.t.Fatal(err)
	}
	return &oauth2.Config{ClientID: app.ClientId, ClientSecret: app.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: "https://rp.example/cb", Scopes: []string{oidc.ScopeOpenID, "email"}}
}

// postRoutes are the console's forms, one of each kind.
func postRoutes(poolID, clientID, sub string) []string {
	base := "/admin/pools/" + poolID
	return []string{"/admin/logout", "/admin/pools", base + "/settings", base + "/delete", base + "/templates", base + "/keys/rotate",
		base + "/apps", base + "/apps/" + clientID, base + "/apps/" + clientID + "/secret", base + "/apps/" + clientID + "/revoke",
		base + "/apps/" + clientID + "/delete", base + "/users", base + "/users/" + sub + "/attributes", base + "/users/" + sub + "/action",
		base + "/users/" + sub + "/password", base + "/users/" + sub + "/groups", base + "/users/" + sub + "/delete",
		base + "/groups", base + "/groups/g", base + "/groups/g/members", base + "/groups/g/delete",
		base + "/mfa", base + "/users/" + sub + "/mfa", base + "/branding", base + "/triggers", base + "/triggers/PreSignUp",
		base + "/messages/m1/retry"}
}

func TestAuthorization(t *testing.T) {
	c := newConsole(t, storagetest.SQLite(t))
	ctx := context.Background()
	pl, err := c.pools.CreatePool(ctx, &pool.Pool{Name: "other"})
	if err != nil {
		t.Fatal(err)
	}
	u, _, err := c.users.AdminCreateUser(ctx, pl.Id, user.AdminCreateUserInput{Username: "eve", MessageAction: "SUPPRESS"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.users.AdminSetPassword(ctx, pl.Id, "eve", "Eve-Passw0rd-1!", true); err != nil {
		t.Fatal(err)
	}
	if _, err := c.pools.CreateGroup(ctx, &pool.Group{UserPoolId: pl.Id, GroupName: "g"}); err != nil {
		t.Fatal(err)
	}
	app, err := c.pools.CreateClient(ctx, &pool.Client{UserPoolId: pl.Id, ClientName: "app"}, true)
	if err != nil {
		t.Fatal(err)
	}
	routes := postRoutes(pl.Id, app.ClientId, u.Sub)

	t.Run("signed out", func(t *testing.T) {
		b := c.browser()
		for _, path := range []string{"/admin/", "/admin/pools", "/admin/pools/" + pl.Id, "/admin/pools/" + pl.Id + "/users/" + u.Sub, "/admin/nowhere",
			"/admin/audit", "/admin/pools/" + pl.Id + "/messages"} {
			if p := c.get(b, path); !strings.Contains(p.url, "/"+c.creds.PoolID+"/login") {
				t.Errorf("GET %s without a session ended at %s", path, p.url)
			}
		}
		for _, path := range routes {
			if p := c.do(b, http.MethodPost, path, url.Values{"confirm": {pl.Id}}); p.status != http.StatusUnauthorized {
				t.Errorf("POST %s without a session: %d", path, p.status)
			}
		}
	})
	t.Run("a user of another pool", func(t *testing.T) {
		b := c.browser()
		p := c.signIn(b, "eve", "Eve-Passw0rd-1!")
		if strings.Contains(p.url, "/admin/") || strings.Contains(p.body, "Dashboard") {
			t.Fatalf("eve reached the console: %s", p.url)
		}
	})
	t.Run("csrf", func(t *testing.T) {
		b := c.operator()
		for _, path := range routes {
			for _, token := range []string{"", "forged"} {
				form := url.Values{"confirm": {pl.Id}, "name": {"x"}, "section": {"general"}, "action": {"disable"}}
				if token != "" {
					form.Set("csrf_token", token)
				}
				if p := c.do(b, http.MethodPost, path, form); p.status != http.StatusForbidden {
					t.Errorf("POST %s with token %q: %d", path, token, p.status)
				}
			}
		}
		// Nothing changed.
		if _, err := c.pools.GetPool(ctx, pl.Id); err != nil {
			t.Fatal(err)
		}
		if got, _ := c.users.Get(ctx, pl.Id, "eve"); !got.Enabled {
			t.Fatal("a forged form disabled the user")
		}
		// A token of the console works.
		if p := c.do(b, http.MethodPost, "/admin/pools/"+pl.Id+"/users/"+u.Sub+"/action", url.Values{"csrf_token": {c.csrf(b)}, "action": {"disable"}, "confirmed": {"yes"}}); p.status != http.StatusOK {
			t.Fatalf("with the token: %d %s", p.status, p.body)
		}
	})
	t.Run("idle timeout", func(t *testing.T) {
		b := c.operator()
		c.advance(20 * time.Minute)
		if p := c.get(b, "/admin/pools"); !strings.Contains(p.body, "<h1>Pools</h1>") {
			t.Fatalf("session ended before the idle timeout: %s", p.url)
		}
		c.advance(admin.DefaultIdleTimeout + time.Second)
		if p := c.get(b, "/admin/pools"); !strings.Contains(p.url, "/"+c.creds.PoolID+"/login") {
			t.Fatalf("session lived past the idle timeout: %s", p.url)
		}
	})
	t.Run("sign out", func(t *testing.T) {
		b := c.operator()
		p := c.submit(b, c.get(b, "/admin/"), "/admin/logout", nil)
		if !strings.Contains(p.body, "You are signed out") {
			t.Fatalf("sign out: %d %s %s", p.status, p.url, p.body)
		}
		if p := c.get(b, "/admin/"); !strings.Contains(p.url, "/login") {
			t.Fatalf("still signed in after signing out: %s", p.url)
		}
	})
}
