// Package login serves the hosted pages of each pool: sign-in (with the pool's single sign-on
// session), sign-up and confirmation, password reset, the new-password and profile steps of a
// sign-in, logout, and the pool's branding (style sheet and logo). The pages are plain HTML
// forms that work without JavaScript, in the language the app or the browser asks for; the
// OpenID Connect protocol is the provider's, reached through Authorizer.
package login

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/userpool/userpool/branding"
	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/session"
	"github.com/userpool/userpool/templates"
	"github.com/userpool/userpool/user"
)

// Pools is what the pages need of the pool service.
type Pools interface {
	GetPool(ctx context.Context, id string) (*pool.Pool, error)
	GetClient(ctx context.Context, poolID, clientID string) (*pool.Client, error)
}

// Users is what the pages need of the user service.
type Users interface {
	SignInFor(ctx context.Context, poolID, username, password string, c user.Caller) (*user.SignInResult, error)
	Get(ctx context.Context, poolID, username string) (*user.User, error)
	Resume(ctx context.Context, poolID, sub string) (*user.User, error)
	GetBySub(ctx context.Context, poolID, sub string) (*user.User, error)
	SignUp(ctx context.Context, c *pool.Client, in user.SignUpInput) (*user.SignUpResult, error)
	ConfirmSignUp(ctx context.Context, c *pool.Client, username, code string, forceAliasCreation bool) (*user.User, error)
	ResendConfirmationCode(ctx context.Context, c *pool.Client, username string) (*user.CodeDelivery, error)
	ForgotPassword(ctx context.Context, c *pool.Client, username string) (*user.CodeDelivery, error)
	ConfirmForgotPassword(ctx context.Context, c *pool.Client, username, code, password string) error
	CompleteNewPassword(ctx context.Context, c *pool.Client, sub, password string, attrs []user.Attribute) (*user.User, error)
	CompleteProfile(ctx context.Context, c *pool.Client, sub string, attrs []user.Attribute) (*user.User, error)
	CompleteSignIn(ctx context.Context, poolID, sub string, c user.Caller)
}

// Branding is the pools' look (*branding.Service is one).
type Branding interface {
	// Get returns the client's customization, else the pool's; nil when there is none.
	Get(ctx context.Context, poolID, clientID string) (*branding.Customization, error)
}

// Handler serves the hosted pages under /{pool}/.
type Handler struct {
	Pools      Pools
	Users      Users
	Sessions   *session.Browsers
	Authorizer Authorizer
	// MFA asks for the second factor after the password (*mfa.Service is one); nil refuses
	// the sign-in of every user who needs one.
	MFA MFA
	// Branding gives each pool its look; nil shows every pool in the default look.
	Branding Branding
	// PublicURL is the server's public base URL; cookies are Secure when it is https.
	PublicURL string
	// CSRFKey signs the forms' CSRF tokens (DeriveCSRFKey); the same in every process.
	CSRFKey []byte
	Logger  *slog.Logger
	Now     func() time.Time
}

// Mount registers the pages and their static assets on r.
func (h *Handler) Mount(r *mux.Router) {
	if len(h.CSRFKey) < 32 {
		panic("login: Handler.CSRFKey must be at least 32 bytes")
	}
	static := http.StripPrefix(templates.StaticPath, http.FileServerFS(templates.Static()))
	r.PathPrefix(templates.StaticPath).Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		static.ServeHTTP(w, r)
	})).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc(poolPath+"/login", h.pageHandler(h.signInPage)).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc(poolPath+"/login", h.pageHandler(h.signIn)).Methods(http.MethodPost)
	r.HandleFunc(poolPath+"/logout", h.pageHandler(h.logout)).Methods(http.MethodGet, http.MethodPost)
	for path, fn := range map[string][2]func(http.ResponseWriter, *http.Request, *pool.Pool){
		"/signup":      {h.signUpPage, h.signUp},
		"/confirm":     {h.confirmPage, h.confirm},
		"/forgot":      {h.forgotPage, h.forgot},
		"/reset":       {h.resetPage, h.reset},
		"/newpassword": {h.newPasswordPage, h.newPassword},
		"/profile":     {h.profilePage, h.profile},
	} {
		r.HandleFunc(poolPath+path, h.pageHandler(fn[0])).Methods(http.MethodGet, http.MethodHead)
		r.HandleFunc(poolPath+path, h.pageHandler(fn[1])).Methods(http.MethodPost)
	}
	r.HandleFunc(poolPath+"/confirm/resend", h.pageHandler(h.resend)).Methods(http.MethodPost)
	h.mountMFA(r)
	// Cognito's hosted UI paths.
	r.HandleFunc(poolPath+"/forgotPassword", h.pageHandler(h.cognitoPath("forgot"))).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc(poolPath+"/confirmUser", h.pageHandler(h.confirmUser)).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc(poolPath+"/branding.css", h.styleSheet).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc(poolPath+"/logo", h.logo).Methods(http.MethodGet, http.MethodHead)
}

// poolPath is the route prefix of a pool's pages, the same as the provider's (pool ids look
// like "local_AbC123xyz"), so that other top-level paths never reach the pages.
const poolPath = "/{pool:[a-z0-9-]+_[0-9A-Za-z]+}"

// contentSecurityPolicy allows the page's own style sheet and nothing else: no scripts, no
// framing by anyone. form-action is left out because browsers apply it to the redirect after
// the sign-in form, which goes to the app.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'"

// SetPageHeaders sets the headers of every hosted page: no framing, a strict
// Content-Security-Policy, and no caching (pages carry CSRF tokens and personal data).
func SetPageHeaders(h http.Header) {
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("Referrer-Policy", "no-referrer")
}

// pageHandler sets the page headers, loads the pool and calls fn.
func (h *Handler) pageHandler(fn func(w http.ResponseWriter, r *http.Request, p *pool.Pool)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		SetPageHeaders(w.Header())
		p, err := h.Pools.GetPool(r.Context(), mux.Vars(r)["pool"])
		if err != nil {
			if errs.Is(err, errs.ResourceNotFound) || errs.Is(err, errs.InvalidParameter) {
				h.message(w, r, http.StatusNotFound, h.plainView(r), "err.not_found_title", "err.not_found")
				return
			}
			h.internal(w, r, h.plainView(r), err)
			return
		}
		fn(w, r, p)
	}
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

// render writes a page with the given status.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	body, err := templates.Render(page, data)
	if err != nil {
		h.logger().ErrorContext(r.Context(), "render page", "page", page, "err", err)
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// message renders the message page: a title and paragraphs, given as catalogue keys.
func (h *Handler) message(w http.ResponseWriter, r *http.Request, status int, v view, title string, paragraphs ...string) {
	h.messageLink(w, r, status, v, nil, title, paragraphs...)
}

// messageLink is message with a button to the next page.
func (h *Handler) messageLink(w http.ResponseWriter, r *http.Request, status int, v view, next *templates.Link, title string, paragraphs ...string) {
	texts := make([]string, len(paragraphs))
	for i, k := range paragraphs {
		texts[i] = v.t(k)
	}
	h.render(w, r, status, templates.PageMessage, templates.Message{Base: v.base(title, ""), Paragraphs: texts, Next: next})
}

// internal logs err and tells the user that the fault is ours.
func (h *Handler) internal(w http.ResponseWriter, r *http.Request, v view, err error) {
	h.logger().ErrorContext(r.Context(), "hosted page failed", "path", r.URL.Path, "err", err)
	h.message(w, r, http.StatusInternalServerError, v, "err.internal_title", "err.internal")
}

// basePath is the path of the public URL ("" or "/prefix"), which cookie paths start with.
func (h *Handler) basePath() string {
	u, err := url.Parse(h.PublicURL)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(u.Path, "/")
}

func (h *Handler) secure() bool { return strings.HasPrefix(strings.ToLower(h.PublicURL), "https://") }

// cookie returns a cookie scoped to the pool's pages; maxAge < 0 deletes it, 0 makes it last
// for the browser session.
func (h *Handler) cookie(poolID, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     h.basePath() + "/" + poolID,
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   h.secure(),
		SameSite: http.SameSiteLaxMode,
	}
}
