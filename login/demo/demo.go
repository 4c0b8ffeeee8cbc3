// Package demo is a tiny relying party built into the server, at /demo: it signs in through a
// demo pool's hosted page with the authorization code flow and PKCE, using
// golang.org/x/oauth2 and coreos/go-oidc exactly as an app would, and shows the tokens it got.
// It is the first thing a newcomer sees after starting the server.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gorilla/mux"
	"golang.org/x/oauth2"

	"github.com/userpool/userpool/httpx"
	"github.com/userpool/userpool/login"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/templates"
	"github.com/userpool/userpool/user"
)

// Names of what Setup creates.
const (
	PoolName   = "Userpool demo"
	ClientName = "demo-app"
	Username   = "demo"
)

// Pools is what the demo needs of the pool service.
type Pools interface {
	ListPools(ctx context.Context, page pool.Page) ([]*pool.Pool, string, error)
	CreatePool(ctx context.Context, in *pool.Pool) (*pool.Pool, error)
	EnsureClient(ctx context.Context, poolID string, want *pool.Client, generateSecret bool) (*pool.Client, error)
}

// Users is what the demo needs of the user service.
type Users interface {
	AdminCreateUser(ctx context.Context, poolID string, in user.AdminCreateUserInput) (*user.User, string, error)
	AdminSetPassword(ctx context.Context, poolID, username, password string, permanent bool) error
}

// Handler serves /demo. Call Setup before Mount.
type Handler struct {
	Pools     Pools
	Users     Users
	PublicURL string
	// Local, when set, serves the relying party's back-channel requests (discovery, JWKS, token)
	// in process, so that the demo works even where the server cannot reach its own public URL
	// (a container behind a mapped port).
	Local  http.Handler
	Logger *slog.Logger

	poolID, clientID string
}

// Setup finds or creates the demo pool and its app client. When it creates the pool it also
// creates the user "demo" with a random password, which it returns (shown once; "" otherwise).
func (h *Handler) Setup(ctx context.Context) (password string, err error) {
	p, err := h.findPool(ctx)
	if err != nil {
		return "", err
	}
	if p == nil {
		if p, err = h.Pools.CreatePool(ctx, &pool.Pool{Name: PoolName, AliasAttributes: []string{"email"}}); err != nil {
			return "", fmt.Errorf("demo: create pool: %w", err)
		}
		if password, err = user.GeneratePassword(p.Policies.PasswordPolicy, Username); err != nil {
			return "", fmt.Errorf("demo: %w", err)
		}
		if _, _, err := h.Users.AdminCreateUser(ctx, p.Id, user.AdminCreateUserInput{Username: Username, MessageAction: "SUPPRESS",
			Attributes: []user.Attribute{{Name: "email", Value: "demo@example.com"}, {Name: "email_verified", Value: "true"}, {Name: "name", Value: "Demo User"}}}); err != nil {
			return "", fmt.Errorf("demo: create user: %w", err)
		}
		if err := h.Users.AdminSetPassword(ctx, p.Id, Username, password, true); err != nil {
			return "", fmt.Errorf("demo: set password: %w", err)
		}
	}
	h.poolID = p.Id
	c, err := h.ensureClient(ctx, p.Id)
	if err != nil {
		return "", err
	}
	h.clientID = c.ClientId
	return password, nil
}

// PoolID and ClientID are the demo's pool and app (after Setup).
func (h *Handler) PoolID() string   { return h.poolID }
func (h *Handler) ClientID() string { return h.clientID }

func (h *Handler) findPool(ctx context.Context) (*pool.Pool, error) {
	page := pool.Page{Limit: 60}
	for {
		pools, next, err := h.Pools.ListPools(ctx, page)
		if err != nil {
			return nil, fmt.Errorf("demo: list pools: %w", err)
		}
		for _, p := range pools {
			if p.Name == PoolName {
				return p, nil
			}
		}
		if next == "" {
			return nil, nil
		}
		page.After = next
	}
}

func (h *Handler) callbackURL() string { return h.PublicURL + "/demo/callback" }
func (h *Handler) homeURL() string     { return h.PublicURL + "/demo" }

// ensureClient finds or creates the public PKCE app, registering the current public URL's
// callback and logout URLs.
func (h *Handler) ensureClient(ctx context.Context, poolID string) (*pool.Client, error) {
	c, err := h.Pools.EnsureClient(ctx, poolID, &pool.Client{ClientName: ClientName,
		CallbackURLs: []string{h.callbackURL()}, LogoutURLs: []string{h.homeURL()},
		AllowedOAuthFlows: []string{pool.FlowCode}, AllowedOAuthScopes: []string{"openid", "email", "profile"},
		AllowedOAuthFlowsUserPoolClient: true}, false)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	return c, nil
}

// Mount registers /demo, /demo/login and /demo/callback.
func (h *Handler) Mount(r *mux.Router) {
	r.HandleFunc("/demo", h.home).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/demo/login", h.start).Methods(http.MethodGet)
	r.HandleFunc("/demo/callback", h.callback).Methods(http.MethodGet)
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

func (h *Handler) issuer() string { return h.PublicURL + "/" + h.poolID }

// context returns ctx with the HTTP client the relying party libraries use.
func (h *Handler) context(ctx context.Context) context.Context {
	c := &http.Client{Timeout: 10 * time.Second}
	if h.Local != nil {
		c.Transport = httpx.InProcess{Handler: h.Local}
	}
	return oidc.ClientContext(ctx, c)
}

func (h *Handler) config(ctx context.Context) (*oauth2.Config, *oidc.Provider, error) {
	p, err := oidc.NewProvider(ctx, h.issuer())
	if err != nil {
		return nil, nil, fmt.Errorf("discovery: %w", err)
	}
	return &oauth2.Config{ClientID: h.clientID, Endpoint: p.Endpoint(), RedirectURL: h.callbackURL(),
		Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}, p, nil
}

func brand() templates.Brand { return templates.Brand{Name: "Userpool demo app"} }

func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	login.SetPageHeaders(w.Header())
	body, err := templates.Render(page, data)
	if err != nil {
		h.logger().ErrorContext(r.Context(), "render demo page", "err", err)
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

func (h *Handler) problem(w http.ResponseWriter, r *http.Request, status int, title, text string) {
	h.render(w, r, status, templates.PageMessage, templates.Message{
		Base:       templates.Base{Title: title, Brand: brand()},
		Paragraphs: []string{text},
		Next:       &templates.Link{URL: h.homeURL(), Text: "Back to the demo"},
	})
}

func (h *Handler) signOutURL() string {
	return h.issuer() + "/logout?" + url.Values{"client_id": {h.clientID}, "logout_uri": {h.homeURL()}}.Encode()
}

func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, templates.PageDemo, templates.Demo{
		Base:       templates.Base{Title: "Sign in to the demo app", Brand: brand()},
		PoolID:     h.poolID,
		ClientID:   h.clientID,
		SignInURL:  h.homeURL() + "/login",
		SignOutURL: h.signOutURL(),
		Username:   Username,
		CreateUser: fmt.Sprintf("go run ./cmd/userpool users create --pool %s --username alice \\\n"+
			"    --attr email=alice@example.com --attr email_verified=true --message-action SUPPRESS\n"+
			"go run ./cmd/userpool users set-password --pool %s --username alice --password 'Choose-a-g00d-one' --permanent", h.poolID, h.poolID),
	})
}

// flowCookie carries the state, nonce and PKCE verifier of one sign-in between /demo/login and
// the callback, in the browser (nothing is kept in the server's memory).
const flowCookie = "userpool_demo_flow"

type flow struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
}

func random() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand does not fail on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// start sends the browser to the pool's authorization endpoint.
func (h *Handler) start(w http.ResponseWriter, r *http.Request) {
	cfg, _, err := h.config(h.context(r.Context()))
	if err != nil {
		h.logger().ErrorContext(r.Context(), "demo sign-in", "err", err)
		h.problem(w, r, http.StatusBadGateway, "The demo cannot reach the pool",
			"The demo app could not read the pool's OpenID configuration. Check that the server's public URL (--public-url) is right.")
		return
	}
	f := flow{State: random(), Nonce: random(), Verifier: oauth2.GenerateVerifier()}
	raw, _ := json.Marshal(f)
	http.SetCookie(w, &http.Cookie{Name: flowCookie, Value: base64.RawURLEncoding.EncodeToString(raw), Path: "/demo",
		MaxAge: 600, HttpOnly: true, Secure: strings.HasPrefix(h.PublicURL, "https://"), SameSite: http.SameSiteLaxMode})
	login.SetPageHeaders(w.Header())
	http.Redirect(w, r, cfg.AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier)), http.StatusFound)
}

// callback exchanges the code, verifies the ID token and shows the tokens.
func (h *Handler) callback(w http.ResponseWriter, r *http.Request) {
	ctx := h.context(r.Context())
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		h.problem(w, r, http.StatusBadRequest, "The sign-in did not complete",
			fmt.Sprintf("The pool answered %q: %s", e, q.Get("error_description")))
		return
	}
	var f flow
	c, err := r.Cookie(flowCookie)
	if err == nil {
		var raw []byte
		if raw, err = base64.RawURLEncoding.DecodeString(c.Value); err == nil {
			err = json.Unmarshal(raw, &f)
		}
	}
	if err != nil || f.State == "" || q.Get("state") != f.State {
		h.problem(w, r, http.StatusBadRequest, "This sign-in is not the demo's",
			"The answer does not match a sign-in this browser started (or it was already used). Start again.")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: flowCookie, Path: "/demo", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	cfg, p, err := h.config(ctx)
	if err == nil {
		var tokens []templates.Token
		if tokens, err = h.exchange(ctx, cfg, p, q.Get("code"), f); err == nil {
			h.render(w, r, http.StatusOK, templates.PageDemoToken, templates.DemoTokens{
				Base:       templates.Base{Title: "Signed in", Brand: brand()},
				Tokens:     tokens,
				SignOutURL: h.signOutURL(),
				AgainURL:   h.homeURL(),
			})
			return
		}
	}
	h.logger().WarnContext(r.Context(), "demo token exchange", "err", err)
	h.problem(w, r, http.StatusBadGateway, "The token exchange failed", err.Error())
}

func (h *Handler) exchange(ctx context.Context, cfg *oauth2.Config, p *oidc.Provider, code string, f flow) ([]templates.Token, error) {
	tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return nil, fmt.Errorf("code exchange: %w", err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return nil, errors.New("the token response has no id_token")
	}
	idToken, err := p.Verifier(&oidc.Config{ClientID: h.clientID}).Verify(ctx, rawID)
	if err != nil {
		return nil, fmt.Errorf("ID token: %w", err)
	}
	if idToken.Nonce != f.Nonce {
		return nil, errors.New("ID token: the nonce does not match")
	}
	out := []templates.Token{{Name: "ID token", Raw: rawID}}
	if err := idToken.Claims(&claimsOf{&out[0]}); err != nil {
		return nil, fmt.Errorf("ID token: %w", err)
	}
	// The access token is a JWT signed with the same keys; its audience is checked by APIs.
	at, err := p.Verifier(&oidc.Config{SkipClientIDCheck: true}).Verify(ctx, tok.AccessToken)
	if err != nil {
		return nil, fmt.Errorf("access token: %w", err)
	}
	out = append(out, templates.Token{Name: "Access token", Raw: tok.AccessToken})
	if err := at.Claims(&claimsOf{&out[1]}); err != nil {
		return nil, fmt.Errorf("access token: %w", err)
	}
	return out, nil
}

// claimsOf decodes a token's claims into a sorted list of name/value pairs.
type claimsOf struct{ t *templates.Token }

func (c *claimsOf) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	for k, v := range m {
		value := string(v)
		var s string
		if json.Unmarshal(v, &s) == nil {
			value = s
		} else if n := (json.Number)(""); json.Unmarshal(v, &n) == nil && (k == "exp" || k == "iat" || k == "auth_time") {
			if sec, err := n.Int64(); err == nil {
				value = fmt.Sprintf("%s (%s)", n, time.Unix(sec, 0).UTC().Format(time.RFC3339))
			}
		}
		c.t.Claims = append(c.t.Claims, templates.Claim{Name: k, Value: value})
	}
	sort.Slice(c.t.Claims, func(i, j int) bool { return c.t.Claims[i].Name < c.t.Claims[j].Name })
	return nil
}
