package login_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gorilla/mux"
	"golang.org/x/oauth2"

	"github.com/userpool/userpool/keys"
	"github.com/userpool/userpool/login"
	"github.com/userpool/userpool/login/demo"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/provider"
	"github.com/userpool/userpool/seal"
	"github.com/userpool/userpool/session"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/user"
)

// stack is the server as cmd/userpool wires it: the real provider, the hosted pages and the
// demo on one router, over real HTTP.
type stack struct {
	t     *testing.T
	srv   *httptest.Server
	pools *pool.Service
	users *user.Service
	demo  *demo.Handler
	// demoPassword is the password Setup gave the demo user.
	demoPassword string
	pool         *pool.Pool
}

func newStack(t *testing.T, db storagetest.Database) *stack {
	t.Helper()
	ctx := context.Background()
	st := db.Open(t)
	s := &stack{t: t, pools: pool.NewService(st, "local")}
	s.users = user.NewService(st, s.pools, user.DefaultHasher())
	sealer, err := seal.New(db.Key)
	if err != nil {
		t.Fatal(err)
	}
	ks, err := keys.New(st, sealer, keys.Config{})
	if err != nil {
		t.Fatal(err)
	}
	s.srv = httptest.NewUnstartedServer(nil)
	s.srv.Start()
	t.Cleanup(s.srv.Close)
	var key [32]byte
	copy(key[:], "login e2e test crypto key.......")
	prov, err := provider.New(provider.Config{PublicURL: s.srv.URL, CryptoKey: key}, s.pools, st, st, ks)
	if err != nil {
		t.Fatal(err)
	}
	r := mux.NewRouter()
	(&login.Handler{Pools: s.pools, Users: s.users, Sessions: &session.Browsers{Store: st}, Authorizer: prov,
		PublicURL: s.srv.URL, CSRFKey: login.DeriveCSRFKey(db.Key)}).Mount(r)
	prov.Mount(r)
	s.demo = &demo.Handler{Pools: s.pools, Users: s.users, PublicURL: s.srv.URL, Local: r}
	if s.demoPassword, err = s.demo.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	s.demo.Mount(r)
	s.srv.Config.Handler = r

	if s.pool, err = s.pools.CreatePool(ctx, &pool.Pool{Name: "e2e", UsernameAttributes: []string{"email"}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.users.AdminCreateUser(ctx, s.pool.Id, user.AdminCreateUserInput{Username: "ann@example.com", MessageAction: "SUPPRESS",
		Attributes: []user.Attribute{{Name: "email_verified", Value: "true"}, {Name: "name", Value: "Ann"}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.users.AdminSetPassword(ctx, s.pool.Id, "ann@example.com", password, true); err != nil {
		t.Fatal(err)
	}
	return s
}

const rpCallback = "https://rp.example/cb"

// app registers an app client (public unless secret).
func (s *stack) app(secret bool) *pool.Client {
	s.t.Helper()
	c := pool.ClientDefaults()
	c.UserPoolId, c.ClientName = s.pool.Id, "rp"
	c.CallbackURLs, c.LogoutURLs = []string{rpCallback}, []string{"https://rp.example/bye"}
	c.AllowedOAuthFlows, c.AllowedOAuthScopes, c.AllowedOAuthFlowsUserPoolClient = []string{pool.FlowCode}, []string{"openid", "email", "profile"}, true
	out, err := s.pools.CreateClient(context.Background(), &c, secret)
	if err != nil {
		s.t.Fatal(err)
	}
	return out
}

// rp is a relying party: x/oauth2 for the flow, go-oidc for discovery and verification.
type rp struct {
	cfg      *oauth2.Config
	verifier *oidc.IDTokenVerifier
}

func (s *stack) rp(c *pool.Client) *rp {
	s.t.Helper()
	p, err := oidc.NewProvider(context.Background(), s.srv.URL+"/"+s.pool.Id)
	if err != nil {
		s.t.Fatal(err)
	}
	return &rp{
		cfg: &oauth2.Config{ClientID: c.ClientId, ClientSecret: c.ClientSecret, Endpoint: p.Endpoint(), RedirectURL: rpCallback,
			Scopes: []string{oidc.ScopeOpenID, "email", "profile"}},
		verifier: p.Verifier(&oidc.Config{ClientID: c.ClientId}),
	}
}

// navigate follows the server's redirects like a browser and returns the last response of
// the server: a page, or a redirect away from it (to the RP).
func (s *stack) navigate(c *http.Client, method, u string, form url.Values) page {
	s.t.Helper()
	for range 10 {
		p := do(s.t, c, method, u, form)
		loc := p.header.Get("Location")
		if p.status/100 != 3 || !strings.HasPrefix(loc, s.srv.URL) && !strings.HasPrefix(loc, "/") {
			return p
		}
		if strings.HasPrefix(loc, "/") {
			loc = s.srv.URL + loc
		}
		method, u, form = http.MethodGet, loc, nil
	}
	s.t.Fatal("too many redirects")
	return page{}
}

// signInForm reads the CSRF token and request id from a sign-in page and fills the form.
func signInForm(t *testing.T, p page, username, pw string) url.Values {
	t.Helper()
	m := csrfRE.FindStringSubmatch(p.body)
	id := regexpAuthRequest.FindStringSubmatch(p.body)
	if m == nil || id == nil {
		t.Fatalf("not a sign-in page: %d %s", p.status, p.body)
	}
	return url.Values{"csrf_token": {m[1]}, "authRequestID": {id[1]}, "username": {username}, "password": {pw}}
}

// code checks a redirect to the RP and returns its code.
func (s *stack) code(p page, state string) string {
	s.t.Helper()
	loc, err := url.Parse(p.header.Get("Location"))
	if err != nil || p.status != http.StatusFound || !strings.HasPrefix(loc.String(), rpCallback) {
		s.t.Fatalf("want a redirect to the RP, got %d %q %s", p.status, p.header.Get("Location"), p.body)
	}
	q := loc.Query()
	if q.Get("state") != state || q.Get("iss") != s.srv.URL+"/"+s.pool.Id || q.Get("code") == "" {
		s.t.Fatalf("RP got %v", q)
	}
	return q.Get("code")
}

func TestEndToEnd(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, db storagetest.Database) {
		s := newStack(t, db)
		ctx := context.Background()
		public, confidential := s.app(false), s.app(true)
		browser := (&env{}).browser()

		// Code flow with PKCE for the public app, signing in on the hosted page.
		rpA := s.rp(public)
		verifier := oauth2.GenerateVerifier()
		p := s.navigate(browser, http.MethodGet, rpA.cfg.AuthCodeURL("st1", oidc.Nonce("n1"), oauth2.S256ChallengeOption(verifier)), nil)
		if !strings.Contains(p.body, `<label for="username" class="label-customizable">Email address</label>`) {
			t.Errorf("the label does not say email:\n%s", p.body)
		}
		// A wrong password first: the same form again, nothing sent to the RP.
		p = s.navigate(browser, http.MethodPost, s.srv.URL+"/"+s.pool.Id+"/login", signInForm(t, p, "ann@example.com", "nope"))
		if p.status != http.StatusUnauthorized || !strings.Contains(p.body, "Incorrect username or password.") {
			t.Fatalf("wrong password: %d", p.status)
		}
		p = s.navigate(browser, http.MethodPost, s.srv.URL+"/"+s.pool.Id+"/login", signInForm(t, p, "ann@example.com", password))
		tok, err := rpA.cfg.Exchange(ctx, s.code(p, "st1"), oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		rawID, _ := tok.Extra("id_token").(string)
		idt, err := rpA.verifier.Verify(ctx, rawID)
		if err != nil {
			t.Fatal(err)
		}
		var claims struct {
			Email    string   `json:"email"`
			Username string   `json:"cognito:username"`
			AMR      []string `json:"amr"`
		}
		if err := idt.Claims(&claims); err != nil || idt.Nonce != "n1" || claims.Email != "ann@example.com" || claims.Username == "" {
			t.Fatalf("ID token claims %+v nonce %q: %v", claims, idt.Nonce, err)
		}

		// The confidential app of the same pool passes through with the SSO session.
		rpB := s.rp(confidential)
		p = s.navigate(browser, http.MethodGet, rpB.cfg.AuthCodeURL("st2", oidc.Nonce("n2")), nil)
		tokB, err := rpB.cfg.Exchange(ctx, s.code(p, "st2"))
		if err != nil {
			t.Fatal(err)
		}
		idB, err := rpB.verifier.Verify(ctx, tokB.Extra("id_token").(string))
		if err != nil || idB.Subject != idt.Subject {
			t.Fatalf("SSO sign-in: %v, sub %q want %q", err, idB.Subject, idt.Subject)
		}

		// prompt=login shows the form although the session is there.
		p = s.navigate(browser, http.MethodGet, rpB.cfg.AuthCodeURL("st3", oauth2.SetAuthURLParam("prompt", "login")), nil)
		signInForm(t, p, "", "")

		// The Cognito-style link to the login page goes through /oauth2/authorize.
		q := url.Values{"client_id": {public.ClientId}, "redirect_uri": {rpCallback}, "response_type": {"code"}, "scope": {"openid"},
			"state": {"st4"}, "code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}
		p = s.navigate(browser, http.MethodGet, s.srv.URL+"/"+s.pool.Id+"/login?"+q.Encode(), nil)
		s.code(p, "st4")

		// RP-initiated logout with the ID token as hint returns to the app with its state...
		logout := url.Values{"id_token_hint": {rawID}, "post_logout_redirect_uri": {"https://rp.example/bye"}, "state": {"bye1"}}
		p = s.navigate(browser, http.MethodGet, s.srv.URL+"/"+s.pool.Id+"/logout?"+logout.Encode(), nil)
		if p.status != http.StatusFound || p.header.Get("Location") != "https://rp.example/bye?state=bye1" {
			t.Fatalf("logout: %d %q", p.status, p.header.Get("Location"))
		}
		// ... and ends the session: prompt=none now gets login_required, with iss.
		p = s.navigate(browser, http.MethodGet, rpA.cfg.AuthCodeURL("st5", oauth2.SetAuthURLParam("prompt", "none"), oauth2.S256ChallengeOption(verifier)), nil)
		loc, _ := url.Parse(p.header.Get("Location"))
		if p.status != http.StatusFound || loc.Query().Get("error") != "login_required" || loc.Query().Get("state") != "st5" ||
			loc.Query().Get("iss") != s.srv.URL+"/"+s.pool.Id {
			t.Fatalf("prompt=none after logout: %d %q", p.status, p.header.Get("Location"))
		}
		// A forged hint gets no redirect.
		logout.Set("id_token_hint", rawID[:len(rawID)-4]+"AAAA")
		p = s.navigate(browser, http.MethodGet, s.srv.URL+"/"+s.pool.Id+"/logout?"+logout.Encode(), nil)
		if p.status != http.StatusOK || !strings.Contains(p.body, "You are signed out") {
			t.Fatalf("logout with a forged hint: %d %q", p.status, p.header.Get("Location"))
		}

		// Cognito's logout form, after signing in again.
		p = s.navigate(browser, http.MethodGet, rpA.cfg.AuthCodeURL("st6", oauth2.S256ChallengeOption(verifier)), nil)
		s.code(s.navigate(browser, http.MethodPost, s.srv.URL+"/"+s.pool.Id+"/login", signInForm(t, p, "ann@example.com", password)), "st6")
		p = s.navigate(browser, http.MethodGet, s.srv.URL+"/"+s.pool.Id+"/logout?client_id="+public.ClientId+"&logout_uri="+url.QueryEscape("https://rp.example/bye"), nil)
		if p.status != http.StatusFound || p.header.Get("Location") != "https://rp.example/bye" {
			t.Fatalf("Cognito logout: %d %q", p.status, p.header.Get("Location"))
		}
		p = s.navigate(browser, http.MethodGet, rpA.cfg.AuthCodeURL("st7", oauth2.S256ChallengeOption(verifier)), nil)
		signInForm(t, p, "", "")
	})
}

// signInAs signs username in on a fresh browser through the public app and returns the
// browser (holding the SSO session) and the raw ID token.
func (s *stack) signInAs(r *rp, username string) (*http.Client, string) {
	s.t.Helper()
	browser := (&env{}).browser()
	verifier := oauth2.GenerateVerifier()
	p := s.navigate(browser, http.MethodGet, r.cfg.AuthCodeURL("si", oauth2.S256ChallengeOption(verifier)), nil)
	p = s.navigate(browser, http.MethodPost, s.srv.URL+"/"+s.pool.Id+"/login", signInForm(s.t, p, username, password))
	tok, err := r.cfg.Exchange(context.Background(), s.code(p, "si"), oauth2.VerifierOption(verifier))
	if err != nil {
		s.t.Fatal(err)
	}
	return browser, tok.Extra("id_token").(string)
}

// TestIDTokenHint: an id_token_hint at /authorize lets only its user's SSO session through;
// another user's session gets login_required under prompt=none, or the form filled in with
// the hinted user's email. A forged hint, or one issued to another app, is refused.
func TestIDTokenHint(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, db storagetest.Database) {
		s := newStack(t, db)
		ctx := context.Background()
		if _, _, err := s.users.AdminCreateUser(ctx, s.pool.Id, user.AdminCreateUserInput{Username: "bob@example.com", MessageAction: "SUPPRESS",
			Attributes: []user.Attribute{{Name: "email_verified", Value: "true"}}}); err != nil {
			t.Fatal(err)
		}
		if err := s.users.AdminSetPassword(ctx, s.pool.Id, "bob@example.com", password, true); err != nil {
			t.Fatal(err)
		}
		public, confidential := s.app(false), s.app(true)
		rpA := s.rp(public)
		annBrowser, annID := s.signInAs(rpA, "ann@example.com")
		_, bobID := s.signInAs(rpA, "bob@example.com")
		verifier := oauth2.GenerateVerifier()
		authorize := func(state, hint string, extra ...oauth2.AuthCodeOption) page {
			opts := append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("id_token_hint", hint)}, extra...)
			return s.navigate(annBrowser, http.MethodGet, rpA.cfg.AuthCodeURL(state, opts...), nil)
		}
		errorOf := func(p page) string {
			loc, _ := url.Parse(p.header.Get("Location"))
			if p.status != http.StatusFound || loc == nil || loc.Query().Get("iss") != s.srv.URL+"/"+s.pool.Id {
				t.Fatalf("want a redirect to the RP with iss, got %d %q", p.status, p.header.Get("Location"))
			}
			return loc.Query().Get("error")
		}

		// Ann's own hint passes through her session, even with prompt=none.
		s.code(authorize("h1", annID, oauth2.SetAuthURLParam("prompt", "none")), "h1")
		// Bob's hint does not: login_required under prompt=none ...
		if e := errorOf(authorize("h2", bobID, oauth2.SetAuthURLParam("prompt", "none"))); e != "login_required" {
			t.Errorf("another user's hint with prompt=none: error %q, want login_required", e)
		}
		// ... otherwise the sign-in form, with Bob's email filled in.
		p := authorize("h3", bobID)
		signInForm(t, p, "", "")
		if !strings.Contains(p.body, `value="bob@example.com"`) {
			t.Errorf("the form does not start with the hinted user's email:\n%s", p.body)
		}
		// login_hint fills the form in too.
		p = s.navigate((&env{}).browser(), http.MethodGet, rpA.cfg.AuthCodeURL("h6", oauth2.S256ChallengeOption(verifier),
			oauth2.SetAuthURLParam("login_hint", "carl@example.com")), nil)
		if !strings.Contains(p.body, `value="carl@example.com"`) {
			t.Errorf("login_hint does not fill the form in:\n%s", p.body)
		}
		// A forged hint and a hint issued to another app are refused with invalid_request.
		if e := errorOf(authorize("h4", annID[:len(annID)-4]+"AAAA")); e != "invalid_request" {
			t.Errorf("forged hint: error %q", e)
		}
		_, confID := s.signInAs(s.rp(confidential), "ann@example.com")
		if e := errorOf(authorize("h5", confID)); e != "invalid_request" {
			t.Errorf("hint of another app: error %q", e)
		}
	})
}

func TestDemo(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, db storagetest.Database) {
		s := newStack(t, db)
		if s.demoPassword == "" {
			t.Fatal("no demo password on first setup")
		}
		// A second setup (the next start) finds the pool and app and creates no user.
		again := &demo.Handler{Pools: s.pools, Users: s.users, PublicURL: s.srv.URL}
		if pw, err := again.Setup(context.Background()); err != nil || pw != "" || again.PoolID() != s.demo.PoolID() || again.ClientID() != s.demo.ClientID() {
			t.Fatalf("second setup: %q %v", pw, err)
		}
		browser := (&env{}).browser()
		p := s.navigate(browser, http.MethodGet, s.srv.URL+"/demo", nil)
		if p.status != http.StatusOK || !strings.Contains(p.body, s.demo.PoolID()) || !strings.Contains(p.body, `href="`+s.srv.URL+`/demo/login"`) {
			t.Fatalf("demo page: %d %s", p.status, p.body)
		}
		p = s.navigate(browser, http.MethodGet, s.srv.URL+"/demo/login", nil)
		p = s.navigate(browser, http.MethodPost, s.srv.URL+"/"+s.demo.PoolID()+"/login", signInForm(t, p, demo.Username, s.demoPassword))
		if p.status != http.StatusOK || !strings.Contains(p.body, "Signed in") || !strings.Contains(p.body, "cognito:username") ||
			!strings.Contains(p.body, "demo@example.com") || !strings.Contains(p.body, "Access token") {
			t.Fatalf("tokens page: %d %s", p.status, p.body)
		}
		// Replaying the callback (its code is used, its state cookie gone) fails cleanly.
		p = s.navigate(browser, http.MethodGet, s.srv.URL+"/demo/callback?code=x&state=y", nil)
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, "Back to the demo") {
			t.Fatalf("replayed callback: %d %s", p.status, p.body)
		}
	})
}

var regexpAuthRequest = regexp.MustCompile(`name="authRequestID" value="([^"]+)"`)
