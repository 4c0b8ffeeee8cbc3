package provider_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/mux"

	"github.com/userpool/userpool/keys"
	"github.com/userpool/userpool/login"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/provider"
	"github.com/userpool/userpool/seal"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/trigger"
	"github.com/userpool/userpool/user"
)

// clock is an adjustable test clock; it starts at the real time so that op's own clock (which
// sets iat and exp of ID tokens) and relying parties agree with it.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return time.Now().Add(c.offset) }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// The login pages drive sign-ins through the provider.
var _ login.Authorizer = (*provider.Provider)(nil)

// cacheTTL is the provider's cache TTL in tests: short, so that changes made through the
// store are seen at once. Benchmarks use the default.
var cacheTTL = time.Millisecond

// env is one running provider on a real database, served over real HTTP.
type env struct {
	t     testing.TB
	db    storagetest.Database
	store *storage.Store
	pools *pool.Service
	keys  *keys.Service
	prov  *provider.Provider
	srv   *httptest.Server
	clock *clock
	pool  *pool.Pool
	// triggers run the pool's pre token generation trigger, when a test configures one.
	triggers *trigger.Service
	// browser does not follow redirects, so tests see every step.
	browser *http.Client
}

func newEnv(t testing.TB, db storagetest.Database) *env {
	t.Helper()
	e := &env{t: t, db: db, clock: &clock{}}
	e.store = db.Open(t)
	e.pools = pool.NewService(e.store, "local")
	e.srv = httptest.NewUnstartedServer(nil)
	e.srv.Start()
	t.Cleanup(e.srv.Close)
	e.triggers = trigger.NewService(e.store, e.pools, trigger.Config{AllowPrivateNetworks: true})
	e.prov, e.keys = e.newProvider(e.store)
	r := mux.NewRouter()
	e.prov.Mount(r)
	e.srv.Config.Handler = r
	jar, _ := cookiejar.New(nil)
	e.browser = &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	p, err := e.pools.CreatePool(t.Context(), &pool.Pool{Name: "test"})
	if err != nil {
		t.Fatal(err)
	}
	e.pool = p
	return e
}

// newProvider builds a provider (another "process") on store.
func (e *env) newProvider(store *storage.Store) (*provider.Provider, *keys.Service) {
	e.t.Helper()
	sealer, err := seal.New(e.db.Key)
	if err != nil {
		e.t.Fatal(err)
	}
	ks, err := keys.New(store, sealer, keys.Config{Now: e.clock.Now})
	if err != nil {
		e.t.Fatal(err)
	}
	var key [32]byte
	copy(key[:], "test crypto key, not for use....")
	p, err := provider.New(provider.Config{PublicURL: e.srv.URL, CryptoKey: key, CacheTTL: cacheTTL, Now: e.clock.Now,
		Triggers: e.triggers},
		pool.NewService(store, "local"), store, store, ks)
	if err != nil {
		e.t.Fatal(err)
	}
	return p, ks
}

func (e *env) issuer() string { return e.srv.URL + "/" + e.pool.Id }

// app registers an app client; settings edits the defaults.
func (e *env) app(secret bool, settings func(c *pool.Client)) *pool.Client {
	e.t.Helper()
	c := pool.ClientDefaults()
	c.UserPoolId, c.ClientName = e.pool.Id, "app"
	c.CallbackURLs = []string{"https://app.example.com/cb"}
	c.LogoutURLs = []string{"https://app.example.com/bye"}
	c.AllowedOAuthFlows = []string{pool.FlowCode}
	c.AllowedOAuthScopes = []string{"openid", "email", "profile", "phone"}
	c.AllowedOAuthFlowsUserPoolClient = true
	if settings != nil {
		settings(&c)
	}
	out, err := e.pools.CreateClient(e.t.Context(), &c, secret)
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// user creates a confirmed, enabled user with an email.
func (e *env) user(name string) *user.User {
	e.t.Helper()
	u := &user.User{PoolID: e.pool.Id, Sub: uuid.NewString(), Username: name, UsernameKey: strings.ToLower(name),
		Attributes: map[string]string{"email": name + "@example.com", "email_verified": "true", "name": "Name " + name,
			"phone_number": "+15555550100"},
		Status: user.StatusConfirmed, Enabled: true}
	if err := e.store.CreateUser(e.t.Context(), u); err != nil {
		e.t.Fatal(err)
	}
	return u
}

// authorize starts an authorization request and returns the response to it.
func (e *env) authorize(params url.Values) *http.Response {
	e.t.Helper()
	resp, err := e.browser.Get(e.issuer() + "/oauth2/authorize?" + params.Encode())
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// signIn plays the login page: it completes the request the authorize response redirected to
// and follows the callback; it returns the final redirect to the client.
func (e *env) signIn(authResp *http.Response, sub string) *url.URL {
	e.t.Helper()
	loc, err := url.Parse(authResp.Header.Get("Location"))
	if err != nil || authResp.StatusCode != http.StatusFound || !strings.HasSuffix(loc.Path, "/login") {
		e.t.Fatalf("authorize answered %d %s, want a redirect to the login page", authResp.StatusCode, authResp.Header.Get("Location"))
	}
	id := loc.Query().Get("authRequestID")
	cb, err := e.prov.Complete(e.t.Context(), e.pool.Id, id, sub, e.clock.Now(), []string{"pwd"})
	if err != nil {
		e.t.Fatal(err)
	}
	resp, err := e.browser.Get(cb)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		e.t.Fatalf("callback answered %d", resp.StatusCode)
	}
	out, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// postForm posts a form to a pool endpoint, with basic auth when id is not "".
func (e *env) postForm(path string, form url.Values, id, secret string) *http.Response {
	e.t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, e.issuer()+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp
}

func TestMain(m *testing.M) {
	// op logs every refused request; the tests provoke hundreds.
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Exit(m.Run())
}
