package login_test

import (
	"context"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gorilla/mux"
	"golang.org/x/oauth2"

	"github.com/userpool/userpool/branding"
	"github.com/userpool/userpool/keys"
	"github.com/userpool/userpool/login"
	"github.com/userpool/userpool/message"
	"github.com/userpool/userpool/message/messagetest"
	"github.com/userpool/userpool/message/smtptest"
	"github.com/userpool/userpool/mfa"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/provider"
	"github.com/userpool/userpool/seal"
	"github.com/userpool/userpool/session"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/user"
)

// site is the whole server as cmd/userpool wires it for the hosted pages: the real provider,
// the pages, branding, and messaging through the outbox worker to a real SMTP server.
type site struct {
	t      *testing.T
	srv    *httptest.Server
	store  *storage.Store
	pools  *pool.Service
	users  *user.Service
	brands *branding.Service
	mfa    *mfa.Service
	mail   *smtptest.Server
	seen   int
	// callback is the apps' redirect URI (rpCallback unless a test serves the app).
	callback string
}

func newSite(t *testing.T, db storagetest.Database) *site {
	t.Helper()
	st := db.Open(t)
	s := &site{t: t, store: st, pools: pool.NewService(st, "local"), callback: rpCallback}
	s.users = user.NewService(st, s.pools, user.DefaultHasher())
	s.brands = &branding.Service{Store: st, Pools: s.pools}
	s.mfa = mfa.NewService(st, s.pools, s.users)
	s.mail = smtptest.Start(t, smtptest.Options{})
	senders, err := message.NewSenders(message.Config{SMTPURL: "smtp://" + s.mail.Addr, MailFrom: "Userpool <no-reply@example.com>"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.srv = httptest.NewUnstartedServer(nil)
	s.srv.Start()
	t.Cleanup(s.srv.Close)
	worker := messagetest.RunWorker(t, st, senders)
	s.users.SetMessaging(user.Messaging{CodeKey: []byte("hosted pages test code key......"), PublicURL: s.srv.URL, Wake: worker.Wake})

	sealer, err := seal.New(db.Key)
	if err != nil {
		t.Fatal(err)
	}
	ks, err := keys.New(st, sealer, keys.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var key [32]byte
	copy(key[:], "hosted pages test crypto key....")
	prov, err := provider.New(provider.Config{PublicURL: s.srv.URL, CryptoKey: key}, s.pools, st, st, ks)
	if err != nil {
		t.Fatal(err)
	}
	r := mux.NewRouter()
	(&login.Handler{Pools: s.pools, Users: s.users, Sessions: &session.Browsers{Store: st}, Authorizer: prov, MFA: s.mfa, Branding: s.brands,
		PublicURL: s.srv.URL, CSRFKey: login.DeriveCSRFKey(db.Key), Logger: slog.New(slog.DiscardHandler)}).Mount(r)
	prov.Mount(r)
	s.srv.Config.Handler = r
	return s
}

// newPool creates a pool that signs in by email, auto-verifies it, requires given_name and
// birthdate, and has a custom "team" attribute of at most 12 characters and a number.
func (s *site) newPool(mod func(*pool.Pool)) *pool.Pool {
	s.t.Helper()
	in := &pool.Pool{Name: "Acme", UsernameAttributes: []string{"email"}, AutoVerifiedAttributes: []string{"email"},
		SchemaAttributes: []pool.SchemaAttribute{
			{Name: "given_name", Required: true}, {Name: "birthdate", Required: true},
			{Name: "team", AttributeDataType: pool.TypeString, Mutable: true, StringAttributeConstraints: &pool.StringAttributeConstraints{MaxLength: "12"}},
			{Name: "shoe_size", AttributeDataType: pool.TypeNumber, Mutable: true, NumberAttributeConstraints: &pool.NumberAttributeConstraints{MinValue: "1", MaxValue: "60"}},
		}}
	if mod != nil {
		mod(in)
	}
	p, err := s.pools.CreatePool(context.Background(), in)
	if err != nil {
		s.t.Fatal(err)
	}
	return p
}

// newApp registers a public app client with PKCE.
func (s *site) newApp(p *pool.Pool, mod func(*pool.Client)) *pool.Client {
	s.t.Helper()
	c := pool.ClientDefaults()
	c.UserPoolId, c.ClientName = p.Id, "app"
	c.CallbackURLs = []string{s.callback}
	c.AllowedOAuthFlows, c.AllowedOAuthScopes, c.AllowedOAuthFlowsUserPoolClient = []string{pool.FlowCode}, []string{"openid", "email", "profile"}, true
	if mod != nil {
		mod(&c)
	}
	out, err := s.pools.CreateClient(context.Background(), &c, false)
	if err != nil {
		s.t.Fatal(err)
	}
	return out
}

// relying is an app: x/oauth2 with PKCE for the flow, go-oidc to verify the ID token.
type relying struct {
	cfg      *oauth2.Config
	verifier *oidc.IDTokenVerifier
	pkce     string
}

func (s *site) relying(p *pool.Pool, c *pool.Client) *relying {
	s.t.Helper()
	prov, err := oidc.NewProvider(context.Background(), s.srv.URL+"/"+p.Id)
	if err != nil {
		s.t.Fatal(err)
	}
	return &relying{
		cfg: &oauth2.Config{ClientID: c.ClientId, Endpoint: prov.Endpoint(), RedirectURL: s.callback,
			Scopes: []string{oidc.ScopeOpenID, "email", "profile"}},
		verifier: prov.Verifier(&oidc.Config{ClientID: c.ClientId}),
		pkce:     oauth2.GenerateVerifier(),
	}
}

// authURL is the app's authorization request.
func (rp *relying) authURL(state string, opts ...oauth2.AuthCodeOption) string {
	return rp.cfg.AuthCodeURL(state, append(opts, oauth2.S256ChallengeOption(rp.pkce))...)
}

// tokens exchanges the code at the app's redirect URI and returns the verified ID token's claims.
func (s *site) tokens(rp *relying, redirect, state string) map[string]any {
	s.t.Helper()
	u, err := url.Parse(redirect)
	if err != nil || !strings.HasPrefix(redirect, s.callback) || u.Query().Get("state") != state || u.Query().Get("code") == "" {
		s.t.Fatalf("want a code at the app's redirect URI, got %q", redirect)
	}
	tok, err := rp.cfg.Exchange(context.Background(), u.Query().Get("code"), oauth2.VerifierOption(rp.pkce))
	if err != nil {
		s.t.Fatal(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := rp.verifier.Verify(context.Background(), raw)
	if err != nil {
		s.t.Fatal(err)
	}
	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		s.t.Fatal(err)
	}
	return claims
}

var mailCodeRE = regexp.MustCompile(`\b([0-9]{6})\b`)

// code waits for the next mail and returns its recipient and the code in it.
func (s *site) code() (string, string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a bound on a hang, not a timing check
	defer cancel()
	got := s.mail.Wait(ctx, s.seen+1)
	if len(got) <= s.seen {
		s.t.Fatal("no mail arrived")
	}
	m := got[s.seen]
	s.seen++
	parsed := smtptest.Parse(s.t, m.Data)
	c := mailCodeRE.FindStringSubmatch(parsed.Text)
	if c == nil {
		s.t.Fatalf("no code in the mail:\n%s", parsed.Text)
	}
	return m.To, c[1]
}

// go follows the server's redirects like a browser and returns the last response of the
// server: a page, or a redirect away from it (to the app).
func (s *site) navigate(c *http.Client, method, u string, form url.Values) page {
	s.t.Helper()
	for range 10 {
		p := do(s.t, c, method, u, form)
		loc := p.header.Get("Location")
		if p.status/100 != 3 || !strings.HasPrefix(loc, s.srv.URL) && !strings.HasPrefix(loc, "/") {
			p.url = u
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

var (
	hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	actionRE = regexp.MustCompile(`<form method="post" action="([^"]+)" class="form[^"]*"`)
)

// submit posts the page's main form with its hidden values plus fields.
func (s *site) submit(c *http.Client, p page, fields map[string]string) page {
	s.t.Helper()
	return s.submitTo(c, p, "", fields)
}

// submitTo posts to the form whose action ends with suffix ("" for the first form).
func (s *site) submitTo(c *http.Client, p page, suffix string, fields map[string]string) page {
	s.t.Helper()
	var action string
	for _, m := range actionRE.FindAllStringSubmatch(p.body, -1) {
		if suffix == "" || strings.HasSuffix(m[1], suffix) {
			action = html.UnescapeString(m[1])
			break
		}
	}
	if action == "" {
		s.t.Fatalf("no form to post in the page (%d):\n%s", p.status, p.body)
	}
	form := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(p.body, -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	for k, v := range fields {
		form.Set(k, v)
	}
	return s.navigate(c, http.MethodPost, s.srv.URL+action, form)
}
