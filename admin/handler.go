// Package admin serves the operators' web console at /admin/: pools, apps, users, groups,
// keys and the message log, as server-rendered pages that work without JavaScript. Operators
// are users of the system pool and sign in through Userpool's own hosted sign-in (the console
// is an OpenID Connect relying party of the system pool, see auth.go). Handlers are thin:
// every change goes through the domain services.
package admin

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/userpool/userpool/audit"
	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/httpx"
	"github.com/userpool/userpool/keys"
	"github.com/userpool/userpool/message"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/session"
	"github.com/userpool/userpool/templates"
	"github.com/userpool/userpool/user"
)

// MessageLog is the outbox as the console reads it, and its retry of failed messages.
type MessageLog interface {
	ListMessages(ctx context.Context, q message.ListQuery) ([]*message.Message, string, error)
	GetMessage(ctx context.Context, poolID, id string) (*message.Message, error)
	RetryMessage(ctx context.Context, poolID, id string, now time.Time) error
}

// Waker wakes the outbox worker after a retry (message.Worker).
type Waker interface{ Wake() }

// Tokens revokes refresh-token families.
type Tokens interface {
	RevokeUserTokens(ctx context.Context, poolID, sub string, now time.Time) error
	RevokeClientTokens(ctx context.Context, poolID, clientID string, now time.Time) (int64, error)
}

// Defaults of the console sessions.
const (
	DefaultIdleTimeout = 30 * time.Minute
	DefaultMaxAge      = 12 * time.Hour
)

// Handler serves the console under /admin/. Call Setup before Mount.
type Handler struct {
	Pools    *pool.Service
	Users    *user.Service
	Keys     *keys.Service
	Messages MessageLog
	Tokens   Tokens
	Sessions session.OperatorStore
	// Branding, Triggers (with TriggerSecrets) and MFA serve the pools' branding, trigger and
	// MFA pages and the users' MFA; a nil one leaves its pages out.
	Branding       Branding
	Triggers       Triggers
	TriggerSecrets TriggerSecrets
	MFA            MFA
	// Audit records every operator action and serves the audit log page; nil records nothing
	// and leaves the page out.
	Audit *audit.Log
	// Outbox, when set, is woken after a message is retried; without it the worker finds the
	// message at its next poll.
	Outbox Waker
	// PublicURL is the server's public base URL; cookies are Secure when it is https.
	PublicURL string
	// CSRFKey signs the forms' CSRF tokens (DeriveCSRFKey); the same in every process.
	CSRFKey []byte
	// Local, when set, serves the console's back-channel OIDC requests (discovery, JWKS,
	// token) in process, as the demo does.
	Local http.Handler
	// IdleTimeout ends a console session after this long without a request; MaxAge ends it
	// in any case.
	IdleTimeout time.Duration
	MaxAge      time.Duration
	Logger      *slog.Logger
	Now         func() time.Time

	systemPoolID, clientID, clientSecret string
}

// DeriveCSRFKey derives the console's CSRF key from the master key.
func DeriveCSRFKey(masterKey []byte) []byte {
	return httpx.DeriveKey(masterKey, "userpool admin console csrf v1")
}

// Mount registers the console's routes on r.
func (h *Handler) Mount(r *mux.Router) {
	if len(h.CSRFKey) < 32 {
		panic("admin: Handler.CSRFKey must be at least 32 bytes")
	}
	if h.clientID == "" {
		panic("admin: call Setup before Mount")
	}
	r.HandleFunc("/admin", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, h.basePath()+"/admin/", http.StatusMovedPermanently)
	})
	s := r.PathPrefix("/admin").Subrouter()
	s.HandleFunc("/login", h.page(h.startSignIn)).Methods(http.MethodGet)
	s.HandleFunc("/callback", h.page(h.callback)).Methods(http.MethodGet)
	s.HandleFunc("/signed-out", h.page(h.signedOut)).Methods(http.MethodGet)

	get := func(path string, fn operatorFunc) {
		s.HandleFunc(path, h.page(h.operator(fn))).Methods(http.MethodGet, http.MethodHead)
	}
	// Every POST is an operator action, recorded in the audit trail under its name.
	post := func(path, action string, fn operatorFunc) {
		s.HandleFunc(path, h.page(h.operator(h.confirmed(action, h.audited(action, fn))))).Methods(http.MethodPost)
	}
	post("/logout", "signout", h.signOut)
	get("/", h.dashboard)
	get("/pools", h.listPools)
	post("/pools", "pool.create", h.createPool)
	const p = "/pools/{pool}"
	get(p, h.poolSettings)
	post(p+"/settings", "pool.settings", h.updatePool)
	post(p+"/delete", "pool.delete", h.deletePool)
	get(p+"/templates", h.templatesPage)
	post(p+"/templates", "pool.templates", h.saveTemplates)
	get(p+"/keys", h.keysPage)
	post(p+"/keys/rotate", "keys.rotate", h.rotateKey)
	get(p+"/apps", h.listApps)
	get(p+"/apps/new", h.newApp)
	post(p+"/apps", "app.create", h.createApp)
	get(p+"/apps/{app}", h.appPage)
	post(p+"/apps/{app}", "app.update", h.updateApp)
	post(p+"/apps/{app}/secret", "app.secret", h.appSecret)
	post(p+"/apps/{app}/revoke", "app.revoke", h.revokeApp)
	post(p+"/apps/{app}/delete", "app.delete", h.deleteApp)
	get(p+"/users", h.listUsers)
	post(p+"/users", "user.create", h.createUser)
	get(p+"/users/{sub}", h.userPage)
	post(p+"/users/{sub}/attributes", "user.attributes", h.updateUserAttributes)
	post(p+"/users/{sub}/action", "user", h.userAction)
	post(p+"/users/{sub}/password", "user.password", h.setUserPassword)
	post(p+"/users/{sub}/groups", "user.groups", h.userGroups)
	post(p+"/users/{sub}/delete", "user.delete", h.deleteUser)
	get(p+"/groups", h.listGroups)
	post(p+"/groups", "group.create", h.createGroup)
	get(p+"/groups/{group}", h.groupPage)
	post(p+"/groups/{group}", "group.update", h.updateGroup)
	post(p+"/groups/{group}/members", "group.members", h.groupMembers)
	post(p+"/groups/{group}/delete", "group.delete", h.deleteGroup)
	get(p+"/messages", h.messagesPage)
	post(p+"/messages/{message}/retry", "message.retry", h.retryMessage)
	if h.Audit != nil {
		get("/audit", h.auditPage)
	}
	get(p+"/mfa", h.mfaPage)
	post(p+"/mfa", "pool.mfa", h.saveMFA)
	post(p+"/users/{sub}/mfa", "user.mfa", h.userMFAChange)
	if h.Branding != nil {
		get(p+"/branding", h.brandingPage)
		post(p+"/branding", "pool.branding", h.saveBranding)
		get(p+"/branding/preview", h.brandingPreview)
	}
	if h.Triggers != nil {
		get(p+"/triggers", h.triggersPage)
		post(p+"/triggers", "pool.triggers", h.saveTriggers)
		post(p+"/triggers/{trigger}", "trigger", h.triggerAction)
	}
	s.NotFoundHandler = h.page(h.operator(func(w http.ResponseWriter, r *http.Request, op *operator) {
		h.problem(w, r, op, http.StatusNotFound, "Page not found", "There is no console page at this address.")
	}))
}

// contentSecurityPolicy: the console's own style sheet and nothing else; no scripts at all.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// page sets the headers of every console response.
func (h *Handler) page(fn http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Content-Security-Policy", contentSecurityPolicy)
		hd.Set("Cache-Control", "no-store")
		hd.Set("Referrer-Policy", "no-referrer")
		fn(w, r)
	}
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now().UTC()
	}
	return time.Now().UTC()
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

// basePath is the path of the public URL ("" or "/prefix").
func (h *Handler) basePath() string {
	u, err := url.Parse(h.PublicURL)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(u.Path, "/")
}

func (h *Handler) secure() bool { return strings.HasPrefix(strings.ToLower(h.PublicURL), "https://") }

// cookie returns a console cookie; maxAge < 0 deletes it, 0 makes it last for the browser session.
func (h *Handler) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: h.basePath() + "/admin", MaxAge: maxAge,
		HttpOnly: true, Secure: h.secure(), SameSite: http.SameSiteLaxMode}
}

const csrfCookie = "userpool_admin_csrf"

func (h *Handler) csrf() httpx.CSRF {
	return httpx.CSRF{Key: h.CSRFKey, CookieName: csrfCookie, NewCookie: func(_, value string) *http.Cookie {
		return h.cookie(csrfCookie, value, 0)
	}}
}

// render writes a console page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	body, err := templates.RenderAdmin(page, data)
	if err != nil {
		h.logger().ErrorContext(r.Context(), "render console page", "page", page, "err", err)
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// base is the AdminBase of a page for the signed-in operator.
func (h *Handler) base(w http.ResponseWriter, r *http.Request, op *operator, title string) templates.AdminBase {
	b := templates.AdminBase{Title: title, SystemPoolID: h.systemPoolID}
	if op != nil {
		b.Operator = op.username
		b.CSRF = h.csrf().Token(w, r, "admin")
	}
	if r.Method == http.MethodPost {
		b.Form = r.PostForm
	}
	if n, ok := notices[r.URL.Query().Get("done")]; ok {
		b.Notice = n
	}
	return b
}

// problem renders the message page.
func (h *Handler) problem(w http.ResponseWriter, r *http.Request, op *operator, status int, title string, paragraphs ...string) {
	h.render(w, r, status, templates.AdminPageMessage, templates.AdminMessage{
		AdminBase: h.base(w, r, op, title), Paragraphs: paragraphs, Next: &templates.Link{URL: h.basePath() + "/admin/", Text: "Back to the dashboard"}})
}

// notices are the confirmations shown after a change (?done=...): fixed texts, so a link
// cannot make the console say something else.
var notices = map[string]string{
	"created": "Created.", "saved": "Saved.", "deleted": "Deleted.", "rotated": "A new signing key is scheduled.",
	"revoked": "Every token of the app is revoked.", "enabled": "The user is enabled.", "disabled": "The user is disabled.",
	"confirmed": "The user is confirmed.", "reset": "The password is reset: a code to choose a new one is on its way to the user.",
	"mfareset": "The user's MFA is reset.", "signedout": "The user is signed out everywhere.",
	"password": "The password is set.", "added": "Added.", "removed": "Removed.",
	"retried": "The message is queued to be sent again.",
}

// redirect sends the browser to a console path after a change (POST, redirect, GET).
func (h *Handler) redirect(w http.ResponseWriter, r *http.Request, path, done string) {
	if done != "" {
		path += "?done=" + done
	}
	http.Redirect(w, r, h.basePath()+path, http.StatusSeeOther)
}

// failure is an error mapped to what the console shows: the status, a sentence, details.
type failure struct {
	status  int
	message string
	details []string
}

// describe maps an error to its page text, once for the whole console: a domain error's
// message is written for people and shown as is; anything else is our fault and logged.
func (h *Handler) describe(r *http.Request, err error) failure {
	var e *errs.Error
	if !errors.As(err, &e) {
		noteOutcome(r, string(errs.Internal))
		h.logger().ErrorContext(r.Context(), "console request failed", "path", r.URL.Path, "err", err)
		return failure{http.StatusInternalServerError, "Something went wrong on the server. The details are in the server's log.", nil}
	}
	noteOutcome(r, string(e.Code))
	f := failure{status: http.StatusBadRequest, message: e.Message}
	switch e.Code {
	case errs.ResourceNotFound, errs.UserNotFound:
		f.status = http.StatusNotFound
	case errs.UsernameExists, errs.AliasExists, errs.GroupExists, errs.ConcurrentModification:
		f.status = http.StatusConflict
	case errs.Internal:
		h.logger().ErrorContext(r.Context(), "console request failed", "path", r.URL.Path, "err", err)
		f.status = http.StatusInternalServerError
	}
	var conflicts *pool.ConflictsError
	if errors.As(err, &conflicts) {
		for _, c := range conflicts.Conflicts {
			f.details = append(f.details, c.Attribute+" "+c.Value+" is shared by "+strings.Join(c.Usernames, ", "))
		}
	}
	return f
}

// fail renders err on the message page (for errors that have no form to go back to).
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, op *operator, err error) {
	f := h.describe(r, err)
	title := "That did not work"
	if f.status == http.StatusNotFound {
		title = "Not found"
	}
	h.render(w, r, f.status, templates.AdminPageMessage, templates.AdminMessage{
		AdminBase: func() templates.AdminBase {
			b := h.base(w, r, op, title)
			b.Alert, b.Details = f.message, f.details
			return b
		}(),
		Paragraphs: []string{"Nothing was changed."},
		Next:       &templates.Link{URL: h.basePath() + "/admin/", Text: "Back to the dashboard"}})
}

// withAlert sets a failure on a page's base and returns the status to render with.
func (h *Handler) withAlert(r *http.Request, b *templates.AdminBase, err error) int {
	f := h.describe(r, err)
	b.Alert, b.Details = f.message, f.details
	return f.status
}
