package login_test

import (
	"context"
	"errors"
	"fmt"
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

	"github.com/gorilla/mux"

	"github.com/userpool/userpool/login"
	"github.com/userpool/userpool/mfa"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/session"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/user"
)

// testAuthorizer is a small implementation of login.Authorizer that records what the pages
// ask of it; the end-to-end tests use the real provider.
type testAuthorizer struct {
	mu        sync.Mutex
	requests  map[string]*session.AuthRequest
	completed map[string]string // request id → sub
	amr       map[string][]string
}

const appCallback = "https://app.example/callback"

func (a *testAuthorizer) add(ar *session.AuthRequest) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests[ar.ID] = ar
}

func (a *testAuthorizer) AuthRequest(_ context.Context, poolID, id string) (*session.AuthRequest, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	ar, ok := a.requests[id]
	if !ok || ar.PoolID != poolID || ar.Done {
		return nil, errors.New("no such auth request")
	}
	return ar, nil
}

func (a *testAuthorizer) Complete(_ context.Context, poolID, id, sub string, authTime time.Time, amr []string) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	ar, ok := a.requests[id]
	if !ok || ar.PoolID != poolID || ar.Done {
		return "", errors.New("no such auth request")
	}
	ar.Done, ar.Subject, ar.AuthTime = true, sub, authTime
	a.completed[id] = sub
	a.amr[id] = amr
	return appCallback + "?done=" + url.QueryEscape(id), nil
}

func (a *testAuthorizer) Fail(w http.ResponseWriter, r *http.Request, poolID, id, oauthError, description string) {
	http.Redirect(w, r, appCallback+"?error="+url.QueryEscape(oauthError), http.StatusFound)
}

// VerifyIDTokenHint accepts "hint:SUB:CLIENT".
func (a *testAuthorizer) VerifyIDTokenHint(_ context.Context, poolID, hint string) (string, string, error) {
	parts := strings.Split(hint, ":")
	if len(parts) != 3 || parts[0] != "hint" {
		return "", "", errors.New("invalid id token")
	}
	return parts[1], parts[2], nil
}

func (a *testAuthorizer) sub(id string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.completed[id]
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a running login handler on a real database.
type env struct {
	t        *testing.T
	store    *storage.Store
	pools    *pool.Service
	users    *user.Service
	sessions *session.Browsers
	mfa      *mfa.Service
	auth     *testAuthorizer
	clock    *clock
	srv      *httptest.Server
	pool     *pool.Pool
	appA     *pool.Client
	appB     *pool.Client
	n        int
}

const password = "Corr3ct-Horse!"

func newEnv(t *testing.T, st *storage.Store) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, store: st, clock: &clock{t: time.Now().UTC()}}
	e.pools = pool.NewService(st, "local")
	e.users = user.NewService(st, e.pools, user.DefaultHasher())
	e.users.SetClock(e.clock.Now)
	e.sessions = &session.Browsers{Store: st, Now: e.clock.Now}
	e.mfa = mfa.NewService(st, e.pools, e.users)
	e.mfa.SetClock(e.clock.Now)
	e.auth = &testAuthorizer{requests: map[string]*session.AuthRequest{}, completed: map[string]string{}, amr: map[string][]string{}}
	var err error
	e.pool, err = e.pools.CreatePool(ctx, &pool.Pool{Name: "Acme", AliasAttributes: []string{"email"}})
	if err != nil {
		t.Fatal(err)
	}
	for i, app := range []**pool.Client{&e.appA, &e.appB} {
		*app, err = e.pools.CreateClient(ctx, &pool.Client{UserPoolId: e.pool.Id, ClientName: "app",
			CallbackURLs: []string{appCallback}, LogoutURLs: []string{fmt.Sprintf("https://app.example/bye-%d", i)},
			AllowedOAuthFlows: []string{pool.FlowCode}, AllowedOAuthScopes: []string{"openid"}, AllowedOAuthFlowsUserPoolClient: true}, false)
		if err != nil {
			t.Fatal(err)
		}
	}
	e.user("ann", "ann@example.com")
	r := mux.NewRouter()
	h := &login.Handler{Pools: e.pools, Users: e.users, Sessions: e.sessions, Authorizer: e.auth, MFA: e.mfa,
		CSRFKey: login.DeriveCSRFKey(make([]byte, 32)), Now: e.clock.Now}
	e.srv = httptest.NewServer(r)
	t.Cleanup(e.srv.Close)
	h.PublicURL = e.srv.URL
	h.Mount(r)
	return e
}

// user creates a CONFIRMED user with the test password.
func (e *env) user(name, email string) *user.User {
	e.t.Helper()
	ctx := context.Background()
	u, _, err := e.users.AdminCreateUser(ctx, e.pool.Id, user.AdminCreateUserInput{Username: name, MessageAction: "SUPPRESS",
		Attributes: []user.Attribute{{Name: "email", Value: email}, {Name: "email_verified", Value: "true"}}})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.users.AdminSetPassword(ctx, e.pool.Id, name, password, true); err != nil {
		e.t.Fatal(err)
	}
	return u
}

// request adds a pending auth request for the client and returns its id.
func (e *env) request(clientID string, mod func(*session.AuthRequest)) string {
	e.n++
	ar := &session.AuthRequest{ID: fmt.Sprintf("req%d", e.n), PoolID: e.pool.Id, ClientID: clientID, RedirectURI: appCallback,
		Scopes: []string{"openid"}, ResponseType: "code"}
	if mod != nil {
		mod(ar)
	}
	e.auth.add(ar)
	return ar.ID
}

// browser is an HTTP client with a cookie jar that does not follow redirects.
func (e *env) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (e *env) loginURL(id string) string {
	return e.srv.URL + "/" + e.pool.Id + "/login?authRequestID=" + url.QueryEscape(id)
}

type page struct {
	status int
	header http.Header
	body   string
	url    string // the page's address (set by site.navigate)
}

func do(t *testing.T, c *http.Client, method, u string, form url.Values) page {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// form opens the sign-in page and returns the form's fields as a browser would post them.
func (e *env) form(c *http.Client, id, username, password string) url.Values {
	e.t.Helper()
	p := do(e.t, c, http.MethodGet, e.loginURL(id), nil)
	if p.status != http.StatusOK {
		e.t.Fatalf("GET login: %d %s", p.status, p.body)
	}
	m := csrfRE.FindStringSubmatch(p.body)
	if m == nil {
		e.t.Fatalf("no CSRF token in the page:\n%s", p.body)
	}
	return url.Values{"csrf_token": {m[1]}, "authRequestID": {id}, "username": {username}, "password": {password}}
}

func (e *env) post(c *http.Client, form url.Values) page {
	e.t.Helper()
	return do(e.t, c, http.MethodPost, e.srv.URL+"/"+e.pool.Id+"/login", form)
}

// signIn signs in through the page and checks the redirect to the app.
func (e *env) signIn(c *http.Client, clientID, username string) string {
	e.t.Helper()
	id := e.request(clientID, nil)
	p := e.post(c, e.form(c, id, username, password))
	if p.status != http.StatusSeeOther || p.header.Get("Location") != appCallback+"?done="+id {
		e.t.Fatalf("sign-in: %d %q %s", p.status, p.header.Get("Location"), p.body)
	}
	return id
}

func (e *env) sessionCookie(c *http.Client) string {
	u, _ := url.Parse(e.srv.URL + "/" + e.pool.Id + "/login")
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "userpool_session" {
			return ck.Value
		}
	}
	return ""
}

func TestSignInAndSSO(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		e := newEnv(t, st)
		c := e.browser()
		ann, _ := e.users.Get(context.Background(), e.pool.Id, "ann")

		// A successful sign-in by the email alias completes the request and starts the SSO session.
		id := e.request(e.appA.ClientId, nil)
		form := e.form(c, id, "ann@example.com", password)
		p := e.post(c, form)
		if p.status != http.StatusSeeOther || e.auth.sub(id) != ann.Sub {
			t.Fatalf("sign-in: %d %s", p.status, p.body)
		}
		if got := e.auth.amr[id]; len(got) != 1 || got[0] != "pwd" {
			t.Errorf("amr %v", got)
		}
		var sc *http.Cookie
		for _, ck := range (&http.Response{Header: p.header}).Cookies() {
			if ck.Name == "userpool_session" {
				sc = ck
			}
		}
		if sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || sc.Path != "/"+e.pool.Id || sc.Secure {
			t.Fatalf("session cookie %+v", sc)
		}
		first := sc.Value

		// A second app of the pool passes through without the password.
		id2 := e.request(e.appB.ClientId, nil)
		p = do(t, c, http.MethodGet, e.loginURL(id2), nil)
		if p.status != http.StatusFound || p.header.Get("Location") != appCallback+"?done="+id2 || e.auth.sub(id2) != ann.Sub {
			t.Fatalf("SSO pass-through: %d %q", p.status, p.header.Get("Location"))
		}

		// prompt=login shows the form despite the session.
		id3 := e.request(e.appB.ClientId, func(ar *session.AuthRequest) { ar.Prompt = []string{"login"} })
		p = do(t, c, http.MethodGet, e.loginURL(id3), nil)
		if p.status != http.StatusOK || !strings.Contains(p.body, `name="password"`) || e.auth.sub(id3) != "" {
			t.Fatalf("prompt=login: %d", p.status)
		}
		// Signing in again rotates the session id; the old one is worthless.
		if p := e.post(c, e.form(c, id3, "ann", password)); p.status != http.StatusSeeOther {
			t.Fatalf("sign-in with prompt=login: %d %s", p.status, p.body)
		}
		if second := e.sessionCookie(c); second == "" || second == first {
			t.Fatalf("session id not rotated: %q → %q", first, second)
		}
		if s, err := e.sessions.Get(context.Background(), e.pool.Id, first); err != nil || s != nil {
			t.Fatalf("the old session id still works: %+v %v", s, err)
		}

		// prompt=none with a session passes through.
		id4 := e.request(e.appA.ClientId, func(ar *session.AuthRequest) { ar.Prompt = []string{"none"} })
		if p := do(t, c, http.MethodGet, e.loginURL(id4), nil); p.status != http.StatusFound || e.auth.sub(id4) != ann.Sub {
			t.Fatalf("prompt=none with a session: %d %q", p.status, p.header.Get("Location"))
		}

		// max_age: within it the session passes; past it the form is shown.
		e.clock.advance(10 * time.Minute)
		maxAge := func(s int64) func(*session.AuthRequest) {
			return func(ar *session.AuthRequest) { ar.MaxAge = &s }
		}
		id5 := e.request(e.appA.ClientId, maxAge(3600))
		if p := do(t, c, http.MethodGet, e.loginURL(id5), nil); p.status != http.StatusFound {
			t.Fatalf("max_age=3600 after 10 minutes: %d", p.status)
		}
		id6 := e.request(e.appA.ClientId, maxAge(300))
		if p := do(t, c, http.MethodGet, e.loginURL(id6), nil); p.status != http.StatusOK || !strings.Contains(p.body, `name="password"`) {
			t.Fatalf("max_age=300 after 10 minutes: %d", p.status)
		}
		// max_age with prompt=none and an old session: login_required.
		id7 := e.request(e.appA.ClientId, func(ar *session.AuthRequest) { maxAge(300)(ar); ar.Prompt = []string{"none"} })
		if p := do(t, c, http.MethodGet, e.loginURL(id7), nil); p.header.Get("Location") != appCallback+"?error=login_required" {
			t.Fatalf("prompt=none past max_age: %d %q", p.status, p.header.Get("Location"))
		}

		// A disabled user's session no longer passes.
		if err := e.users.SetEnabled(context.Background(), e.pool.Id, "ann", false); err != nil {
			t.Fatal(err)
		}
		id8 := e.request(e.appB.ClientId, nil)
		if p := do(t, c, http.MethodGet, e.loginURL(id8), nil); p.status != http.StatusOK || e.auth.sub(id8) != "" {
			t.Fatalf("disabled user passed through: %d", p.status)
		}

		// The session expires after an hour.
		if err := e.users.SetEnabled(context.Background(), e.pool.Id, "ann", true); err != nil {
			t.Fatal(err)
		}
		e.clock.advance(time.Hour)
		id9 := e.request(e.appB.ClientId, nil)
		if p := do(t, c, http.MethodGet, e.loginURL(id9), nil); p.status != http.StatusOK || e.auth.sub(id9) != "" {
			t.Fatalf("expired session passed through: %d", p.status)
		}
	})
}

func TestPromptNoneWithoutSession(t *testing.T) {
	e := newEnv(t, storagetest.Open(t))
	id := e.request(e.appA.ClientId, func(ar *session.AuthRequest) { ar.Prompt = []string{"none"} })
	p := do(t, e.browser(), http.MethodGet, e.loginURL(id), nil)
	if p.status != http.StatusFound || p.header.Get("Location") != appCallback+"?error=login_required" {
		t.Fatalf("prompt=none: %d %q", p.status, p.header.Get("Location"))
	}
}

func TestCSRF(t *testing.T) {
	e := newEnv(t, storagetest.Open(t))
	ctx := context.Background()
	ann, _ := e.users.Get(ctx, e.pool.Id, "ann")
	c := e.browser()
	id := e.request(e.appA.ClientId, nil)
	good := e.form(c, id, "ann", "wrong-password")

	other := e.browser() // a second browser has its own cookie, so its token differs
	otherToken := e.form(other, e.request(e.appA.ClientId, nil), "", "").Get("csrf_token")

	tests := []struct {
		name string
		c    *http.Client
		mod  func(url.Values)
	}{
		{"missing token", c, func(f url.Values) { f.Del("csrf_token") }},
		{"wrong token", c, func(f url.Values) { f.Set("csrf_token", "AAAA") }},
		{"another browser's token", c, func(f url.Values) { f.Set("csrf_token", otherToken) }},
		{"no cookie", e.browser(), func(url.Values) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := url.Values{}
			for k, v := range good {
				f[k] = v
			}
			tt.mod(f)
			p := e.post(tt.c, f)
			if p.status != http.StatusForbidden || !strings.Contains(p.body, "This form has expired") {
				t.Fatalf("%d %s", p.status, p.body)
			}
			// Nothing was tried: no failure counted, nothing completed, no session.
			if n, _, _ := e.store.SignInFailures(ctx, e.pool.Id, ann.Sub); n != 0 {
				t.Errorf("%d failures counted", n)
			}
			if e.auth.sub(id) != "" || e.sessionCookie(tt.c) != "" {
				t.Error("a forged form signed in")
			}
		})
	}
	// The right token with the right password works.
	good.Set("password", password)
	if p := e.post(c, good); p.status != http.StatusSeeOther {
		t.Fatalf("valid form: %d %s", p.status, p.body)
	}
}

func TestSignInErrors(t *testing.T) {
	e := newEnv(t, storagetest.Open(t))
	ctx := context.Background()
	// An UNCONFIRMED user (as after sign-up) and a disabled one.
	hash, err := user.DefaultHasher().Hash(password)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.CreateUser(ctx, &user.User{PoolID: e.pool.Id, Sub: "6f1c2b0e-0000-4000-8000-00000000000a", Username: "una",
		UsernameKey: "una", Status: user.StatusUnconfirmed, Enabled: true, PasswordHash: hash, Attributes: map[string]string{}}); err != nil {
		t.Fatal(err)
	}
	e.user("dis", "dis@example.com")
	if err := e.users.SetEnabled(ctx, e.pool.Id, "dis", false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.users.AdminCreateUser(ctx, e.pool.Id, user.AdminCreateUserInput{Username: "temp", TemporaryPassword: password, MessageAction: "SUPPRESS"}); err != nil {
		t.Fatal(err)
	}
	const incorrect = "Incorrect username or password."
	tests := []struct {
		name, username, password string
		status                   int
		want                     []string
	}{
		{"wrong password", "ann", "nope", http.StatusUnauthorized, []string{incorrect}},
		{"unknown user", "nobody", password, http.StatusUnauthorized, []string{incorrect}},
		{"empty username", "", password, http.StatusBadRequest, []string{"Enter your username or email address.", `aria-describedby="username-error"`, `aria-invalid="true"`}},
		{"empty password", "ann", "", http.StatusBadRequest, []string{"Enter your password.", `aria-describedby="password-error"`}},
		{"long username", strings.Repeat("a", 3000), password, http.StatusBadRequest, []string{"too long"}},
		{"unconfirmed", "una", password, http.StatusForbidden, []string{"not confirmed"}},
		{"unconfirmed, wrong password", "una", "nope", http.StatusUnauthorized, []string{incorrect}},
		{"disabled", "dis", password, http.StatusUnauthorized, []string{"User is disabled."}},
		{"disabled, wrong password", "dis", "nope", http.StatusUnauthorized, []string{incorrect}},
		{"temporary password", "temp", password, http.StatusSeeOther, nil},
		{"escaped username", `"><script>alert(1)</script>`, "nope", http.StatusUnauthorized, []string{`value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.browser()
			id := e.request(e.appA.ClientId, nil)
			p := e.post(c, e.form(c, id, tt.username, tt.password))
			if p.status != tt.status {
				t.Fatalf("status %d, want %d: %s", p.status, tt.status, p.body)
			}
			for _, w := range tt.want {
				if !strings.Contains(p.body, w) {
					t.Errorf("page lacks %q:\n%s", w, p.body)
				}
			}
			if strings.Contains(p.body, "<script>") {
				t.Error("unescaped script in the page")
			}
			if e.auth.sub(id) != "" || e.sessionCookie(c) != "" {
				t.Error("signed in")
			}
		})
	}
}

func TestLockoutOverHTTP(t *testing.T) {
	e := newEnv(t, storagetest.Open(t))
	c := e.browser()
	answer := func(username, pw string) string {
		id := e.request(e.appA.ClientId, nil)
		p := e.post(c, e.form(c, id, username, pw))
		if p.status == http.StatusSeeOther {
			return "signed in"
		}
		m := regexp.MustCompile(`role="alert" id="alert">([^<]*)<`).FindStringSubmatch(p.body)
		if m == nil {
			t.Fatalf("no alert: %d %s", p.status, p.body)
		}
		return m[1]
	}
	for range 5 {
		if got := answer("ann", "wrong"); got != "Incorrect username or password." {
			t.Fatalf("wrong password: %q", got)
		}
	}
	// Locked: the right password gets the same answer as an unknown user.
	locked, unknown := answer("ann", password), answer("nobody", password)
	if locked != "Incorrect username or password." || locked != unknown {
		t.Fatalf("locked %q, unknown %q", locked, unknown)
	}
	e.clock.advance(time.Second)
	if got := answer("ann", password); got != "signed in" {
		t.Fatalf("after the lock: %q", got)
	}
}

func TestPagesAndHeaders(t *testing.T) {
	e := newEnv(t, storagetest.Open(t))
	ctx := context.Background()
	// A pool name that is HTML (written past the service's validation) is shown escaped.
	evil := &pool.Pool{Id: "local_evil00001", Name: `<img src=x onerror=alert(1)>`}
	if err := e.store.CreatePool(ctx, evil); err != nil {
		t.Fatal(err)
	}
	e.auth.add(&session.AuthRequest{ID: "evil", PoolID: evil.Id, ClientID: "x"})
	c := e.browser()
	base := e.srv.URL + "/"
	tests := []struct {
		name, url string
		status    int
		want      string
	}{
		{"sign-in page", e.loginURL(e.request(e.appA.ClientId, func(ar *session.AuthRequest) { ar.LoginHint = "ann@example.com" })),
			http.StatusOK, `value="ann@example.com"`},
		{"label names the identifiers", e.loginURL(e.request(e.appA.ClientId, nil)), http.StatusOK, `<label for="username" class="label-customizable">Username or email address</label>`},
		{"malicious pool name", base + evil.Id + "/login?authRequestID=evil", http.StatusOK, "&lt;img src=x onerror=alert(1)&gt;"},
		{"unknown request", e.loginURL("nope"), http.StatusBadRequest, "This sign-in has expired"},
		{"request of another pool", base + e.pool.Id + "/login?authRequestID=evil", http.StatusBadRequest, "This sign-in has expired"},
		{"no request", base + e.pool.Id + "/login", http.StatusBadRequest, "This sign-in link is incomplete"},
		{"unknown pool", base + "local_nopool000/login?authRequestID=x", http.StatusNotFound, "Page not found"},
		{"logout page", base + e.pool.Id + "/logout", http.StatusOK, "You are signed out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := do(t, c, http.MethodGet, tt.url, nil)
			if p.status != tt.status || !strings.Contains(p.body, tt.want) {
				t.Fatalf("%d (want %d), want %q in:\n%s", p.status, tt.status, tt.want, p.body)
			}
			if strings.Contains(p.body, "<img") {
				t.Error("unescaped HTML from the pool name")
			}
			h := p.header
			if h.Get("X-Frame-Options") != "DENY" || !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") ||
				!strings.Contains(h.Get("Content-Security-Policy"), "default-src 'none'") || h.Get("Cache-Control") != "no-store" {
				t.Errorf("headers %v", h)
			}
		})
	}

	// The Cognito-style link goes to the authorization endpoint with the same query.
	q := "client_id=" + e.appA.ClientId + "&redirect_uri=" + url.QueryEscape(appCallback) + "&response_type=code&scope=openid"
	p := do(t, c, http.MethodGet, base+e.pool.Id+"/login?"+q, nil)
	if p.status != http.StatusFound || p.header.Get("Location") != "/"+e.pool.Id+"/oauth2/authorize?"+q {
		t.Fatalf("Cognito link: %d %q", p.status, p.header.Get("Location"))
	}

	// The style sheet is served.
	p = do(t, c, http.MethodGet, base+"static/pages.css", nil)
	if p.status != http.StatusOK || !strings.Contains(p.header.Get("Content-Type"), "text/css") || !strings.Contains(p.body, ":focus-visible") {
		t.Fatalf("style sheet: %d %v", p.status, p.header)
	}
}

func TestLogout(t *testing.T) {
	e := newEnv(t, storagetest.Open(t))
	ann, _ := e.users.Get(context.Background(), e.pool.Id, "ann")
	logoutA, logoutB := e.appA.LogoutURLs[0], e.appB.LogoutURLs[0]
	hintA := "hint:" + ann.Sub + ":" + e.appA.ClientId
	tests := []struct {
		name  string
		query url.Values
		want  string // the redirect; "" for the logged-out page
	}{
		{"Cognito form", url.Values{"client_id": {e.appA.ClientId}, "logout_uri": {logoutA}}, logoutA},
		{"Cognito form, another app's URL", url.Values{"client_id": {e.appA.ClientId}, "logout_uri": {logoutB}}, ""},
		{"Cognito form, trailing slash", url.Values{"client_id": {e.appA.ClientId}, "logout_uri": {logoutA + "/"}}, ""},
		{"Cognito form, unknown client", url.Values{"client_id": {"nope"}, "logout_uri": {logoutA}}, ""},
		{"Cognito form, no client", url.Values{"logout_uri": {logoutA}}, ""},
		{"OIDC form", url.Values{"id_token_hint": {hintA}, "post_logout_redirect_uri": {logoutA}, "state": {"s 1"}}, logoutA + "?state=s+1"},
		{"OIDC form without state", url.Values{"id_token_hint": {hintA}, "post_logout_redirect_uri": {logoutA}}, logoutA},
		{"OIDC form, another app's URL", url.Values{"id_token_hint": {hintA}, "post_logout_redirect_uri": {logoutB}}, ""},
		{"OIDC form, client_id not the hint's", url.Values{"id_token_hint": {hintA}, "client_id": {e.appB.ClientId}, "post_logout_redirect_uri": {logoutB}}, ""},
		{"OIDC form, invalid hint", url.Values{"id_token_hint": {"forged"}, "post_logout_redirect_uri": {logoutA}}, ""},
		{"OIDC form, no hint", url.Values{"client_id": {e.appA.ClientId}, "post_logout_redirect_uri": {logoutA}}, ""},
		{"OIDC form, hint only", url.Values{"id_token_hint": {hintA}}, ""},
	}
	for _, tt := range tests {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			t.Run(tt.name+" "+method, func(t *testing.T) {
				c := e.browser()
				e.signIn(c, e.appA.ClientId, "ann")
				sid := e.sessionCookie(c)
				var p page
				if method == http.MethodGet {
					p = do(t, c, method, e.srv.URL+"/"+e.pool.Id+"/logout?"+tt.query.Encode(), nil)
				} else {
					p = do(t, c, method, e.srv.URL+"/"+e.pool.Id+"/logout", tt.query)
				}
				if tt.want != "" {
					if p.status != http.StatusFound || p.header.Get("Location") != tt.want {
						t.Fatalf("%d %q, want a redirect to %q", p.status, p.header.Get("Location"), tt.want)
					}
				} else if p.status != http.StatusOK || p.header.Get("Location") != "" || !strings.Contains(p.body, "You are signed out") {
					t.Fatalf("%d %q, want the logged-out page", p.status, p.header.Get("Location"))
				}
				// Either way the session is over, on the server and in the browser.
				if e.sessionCookie(c) != "" {
					t.Error("the session cookie was not cleared")
				}
				if s, _ := e.sessions.Get(context.Background(), e.pool.Id, sid); s != nil {
					t.Error("the session still exists")
				}
				id := e.request(e.appB.ClientId, func(ar *session.AuthRequest) { ar.Prompt = []string{"none"} })
				if p := do(t, c, http.MethodGet, e.loginURL(id), nil); p.header.Get("Location") != appCallback+"?error=login_required" {
					t.Errorf("after logout prompt=none: %q", p.header.Get("Location"))
				}
			})
		}
	}
}
