package login

import (
	"net/http"
	"net/url"

	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/session"
	"github.com/userpool/userpool/templates"
	"github.com/userpool/userpool/user"
)

// nextCookie remembers, across the trip through /oauth2/authorize, which page a Cognito-style
// link (/signup?client_id=..., /forgotPassword?client_id=...) asked for.
const nextCookie = "userpool_next"

// flow is a page request within a pending authorization request.
type flow struct {
	p      *pool.Pool
	ar     *session.AuthRequest
	client *pool.Client
	v      view
}

// startFlow loads the pending request named by authRequestID (query or form) and its client;
// without one it answers with an error page (or, for a Cognito-style link with client_id,
// goes through the authorization endpoint and back to page) and returns nil.
func (h *Handler) startFlow(w http.ResponseWriter, r *http.Request, p *pool.Pool, page string) *flow {
	id := r.FormValue("authRequestID")
	if id == "" {
		if r.Method == http.MethodGet && r.URL.Query().Get("client_id") != "" {
			h.viaAuthorize(w, r, p, page)
			return nil
		}
		h.message(w, r, http.StatusBadRequest, h.view(r, p, nil), "err.incomplete_title", "err.incomplete")
		return nil
	}
	ar, ok := h.authRequest(w, r, p, id)
	if !ok {
		return nil
	}
	f := &flow{p: p, ar: ar, v: h.view(r, p, ar)}
	c, err := h.Pools.GetClient(r.Context(), p.Id, ar.ClientID)
	if err != nil {
		h.internal(w, r, f.v, err)
		return nil
	}
	f.client = c
	return f
}

// viaAuthorize sends a Cognito-style link to the authorization endpoint (which checks the
// client and redirect URI) and has the sign-in page forward to page afterwards.
func (h *Handler) viaAuthorize(w http.ResponseWriter, r *http.Request, p *pool.Pool, page string) {
	http.SetCookie(w, h.cookie(p.Id, nextCookie, page, 600))
	http.Redirect(w, r, h.basePath()+"/"+p.Id+"/oauth2/authorize?"+r.URL.RawQuery, http.StatusFound)
}

// cognitoPath serves one of Cognito's hosted UI paths by forwarding to ours.
func (h *Handler) cognitoPath(page string) func(http.ResponseWriter, *http.Request, *pool.Pool) {
	return func(w http.ResponseWriter, r *http.Request, p *pool.Pool) {
		if r.URL.Query().Get("client_id") != "" {
			h.viaAuthorize(w, r, p, page)
			return
		}
		http.Redirect(w, r, h.pageURL(p, page, url.Values{"authRequestID": {r.URL.Query().Get("authRequestID")}}), http.StatusFound)
	}
}

// forwardNext reports whether a Cognito-style link asked for another page than sign-in, and
// if so sends the browser there with the request.
func (h *Handler) forwardNext(w http.ResponseWriter, r *http.Request, p *pool.Pool, ar *session.AuthRequest) bool {
	c, err := r.Cookie(nextCookie)
	if err != nil {
		return false
	}
	http.SetCookie(w, h.cookie(p.Id, nextCookie, "", -1))
	switch c.Value {
	case "signup", "forgot":
		http.Redirect(w, r, h.pageURL(p, c.Value, arQuery(ar)), http.StatusFound)
		return true
	}
	return false
}

// links are the ways from one page to the others.
func (h *Handler) links(f *flow, pages ...string) []templates.Link {
	var out []templates.Link
	for _, pg := range pages {
		switch pg {
		case "signup":
			if f.p.AdminCreateUserConfig.AllowAdminCreateUserOnly {
				continue
			}
			out = append(out, templates.Link{URL: h.pageURL(f.p, "signup", arQuery(f.ar)), Text: f.v.t("link.signup")})
		case "forgot":
			out = append(out, templates.Link{URL: h.pageURL(f.p, "forgot", arQuery(f.ar)), Text: f.v.t("link.forgot")})
		case "login":
			out = append(out, templates.Link{URL: h.pageURL(f.p, "login", arQuery(f.ar)), Text: f.v.t("link.signin")})
		case "back":
			out = append(out, templates.Link{URL: h.pageURL(f.p, "login", arQuery(f.ar)), Text: f.v.t("link.back_signin")})
		}
	}
	return out
}

// signedIn continues a sign-in whose password was checked: a temporary password goes to the
// new-password page, a profile missing required attributes to the profile page; otherwise
// the SSO session starts and the browser returns to the app.
func (h *Handler) signedIn(w http.ResponseWriter, r *http.Request, f *flow, res *user.SignInResult) {
	s := step{Pool: f.p.Id, Sub: res.User.Sub, Request: f.ar.ID}
	switch {
	case res.Next == user.StepNewPassword:
		s.Kind = stepNewPassword
	case len(user.MissingRequired(f.p, res.User)) > 0:
		s.Kind = stepProfile
	default:
		h.finish(w, r, f, res.User.Sub)
		return
	}
	h.setStep(w, s, stepTTL)
	http.Redirect(w, r, h.pageURL(f.p, s.Kind, arQuery(f.ar)), http.StatusSeeOther)
}

// finish completes the sign-in of sub whose password (and earlier steps) passed: the second
// factor comes first when the user needs one.
func (h *Handler) finish(w http.ResponseWriter, r *http.Request, f *flow, sub string) {
	if h.secondFactor(w, r, f, sub) {
		return
	}
	h.completeSignIn(w, r, f, sub, amrPassword)
}

// completeSignIn starts the browser's SSO session for sub and completes the request; amr says
// how the user signed in.
func (h *Handler) completeSignIn(w http.ResponseWriter, r *http.Request, f *flow, sub string, amr []string) {
	now := h.now().UTC()
	var old string
	if c, err := r.Cookie(sessionCookie); err == nil && validCookieValue(c.Value) {
		old = c.Value
	}
	sid, err := h.Sessions.Start(r.Context(), f.p.Id, old, sub, now, amr)
	if err != nil {
		h.internal(w, r, f.v, err)
		return
	}
	http.SetCookie(w, h.cookie(f.p.Id, sessionCookie, sid, 0))
	h.clearStep(w, f.p.Id)
	h.Users.CompleteSignIn(r.Context(), f.p.Id, sub, user.Caller{ClientID: f.ar.ClientID})
	h.complete(w, r, f.p, f.ar.ID, sub, now, amr, http.StatusSeeOther)
}

// formPage renders a form page of the flow.
func (h *Handler) formPage(w http.ResponseWriter, r *http.Request, f *flow, status int, titleKey string, form templates.Form) {
	alert, notice := form.Alert, form.Notice
	form.Base = f.v.base(titleKey, h.csrf(w, r, f.p.Id))
	form.Alert, form.Notice = alert, notice
	if f.ar != nil {
		form.Hidden = append([]templates.Hidden{{Name: "authRequestID", Value: f.ar.ID}}, form.Hidden...)
	}
	h.render(w, r, status, templates.PageForm, form)
}

// hasErrors reports whether any input has an error.
func hasErrors(inputs []templates.Input) bool {
	for _, in := range inputs {
		if in.Error != "" {
			return true
		}
	}
	return false
}

// stepExpired tells the user that a sign-in step is no longer valid.
func (h *Handler) stepExpired(w http.ResponseWriter, r *http.Request, f *flow) {
	h.messageLink(w, r, http.StatusBadRequest, f.v, &templates.Link{URL: h.pageURL(f.p, "login", arQuery(f.ar)), Text: f.v.t("signin.submit")},
		"step.expired_title", "step.expired")
}
