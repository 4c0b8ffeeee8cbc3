package login

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/templates"
)

// optionalFlow is startFlow for pages that also work without a pending request (the link in
// a confirmation email): then the pool's defaults stand in for the app client, which hide
// whether users exist.
func (h *Handler) optionalFlow(w http.ResponseWriter, r *http.Request, p *pool.Pool, page string) *flow {
	if r.FormValue("authRequestID") != "" || r.URL.Query().Get("client_id") != "" {
		return h.startFlow(w, r, p, page)
	}
	c := pool.ClientDefaults()
	c.UserPoolId = p.Id
	return &flow{p: p, client: &c, v: h.view(r, p, nil)}
}

// confirmState is what the confirm form shows.
type confirmState struct {
	username, code    string
	usernameError     string
	codeError         string
	alert, notice     string
	destination       string
	showUsernameInput bool
}

func (h *Handler) renderConfirm(w http.ResponseWriter, r *http.Request, f *flow, status int, st confirmState) {
	form := templates.Form{
		Base:   templates.Base{Alert: st.alert, Notice: st.notice},
		Action: h.pageURL(f.p, "confirm", nil),
		Submit: f.v.t("confirm.submit"),
	}
	switch {
	case st.destination != "":
		form.Intro = []string{f.v.t("confirm.intro", st.destination)}
	case st.code != "":
		form.Intro = []string{f.v.t("confirm.intro_link")}
	default:
		form.Intro = []string{f.v.t("confirm.intro_plain")}
	}
	if st.showUsernameInput || st.username == "" || st.usernameError != "" {
		label, mode := identifierLabel(f.v, f.p)
		form.Inputs = append(form.Inputs, templates.Input{Name: fUsername, ID: "username", Label: label, Type: "text", InputMode: mode,
			Autocomplete: "username", Required: true, MaxLength: maxIdentifier, Value: st.username, Error: st.usernameError})
	} else {
		form.Hidden = append(form.Hidden, templates.Hidden{Name: fUsername, Value: st.username})
	}
	code := codeInput(f.v, st.code)
	code.Error = st.codeError
	form.Inputs = append(form.Inputs, code)
	if st.username != "" {
		hidden := []templates.Hidden{{Name: fUsername, Value: st.username}}
		if f.ar != nil {
			hidden = append([]templates.Hidden{{Name: "authRequestID", Value: f.ar.ID}}, hidden...)
		}
		form.Aside = &templates.SmallForm{Action: h.pageURL(f.p, "confirm/resend", nil), Hidden: hidden,
			Text: f.v.t("confirm.resend_text"), Submit: f.v.t("confirm.resend")}
	}
	if f.ar != nil {
		form.Links = h.links(f, "back")
	}
	h.formPage(w, r, f, status, "confirm.title", form)
}

// confirmPage shows the code form; the link of a link-style verification email brings the
// username and code, which the user submits with one button (a mail scanner that follows the
// link confirms nothing).
func (h *Handler) confirmPage(w http.ResponseWriter, r *http.Request, p *pool.Pool) {
	f := h.optionalFlow(w, r, p, "confirm")
	if f == nil {
		return
	}
	q := r.URL.Query()
	st := confirmState{username: strings.TrimSpace(q.Get("username")), code: strings.TrimSpace(q.Get("code"))}
	if f.ar != nil {
		if s := h.getStep(r, p.Id, f.ar.ID, stepConfirm); s != nil {
			st.destination = s.Destination
			if st.username == "" {
				st.username = s.Username
			}
		}
	}
	if st.code != "" && !validCode(st.code) {
		h.message(w, r, http.StatusBadRequest, f.v, "err.link_title", "err.link")
		return
	}
	h.renderConfirm(w, r, f, http.StatusOK, st)
}

// confirmUser is Cognito's link target (/confirmUser?client_id=&user_name=&confirmation_code=).
func (h *Handler) confirmUser(w http.ResponseWriter, r *http.Request, p *pool.Pool) {
	q := r.URL.Query()
	http.Redirect(w, r, h.pageURL(p, "confirm", url.Values{"username": {q.Get("user_name")}, "code": {q.Get("confirmation_code")}}), http.StatusFound)
}

func (h *Handler) confirm(w http.ResponseWriter, r *http.Request, p *pool.Pool) {
	if !h.readForm(w, r, p) {
		return
	}
	f := h.optionalFlow(w, r, p, "confirm")
	if f == nil {
		return
	}
	st := confirmState{username: strings.TrimSpace(r.PostFormValue(fUsername)), code: strings.TrimSpace(r.PostFormValue(fCode))}
	var s *step
	if f.ar != nil {
		if s = h.getStep(r, p.Id, f.ar.ID, stepConfirm); s != nil {
			st.destination = s.Destination
		}
	}
	if !h.checkCSRF(r, p.Id) {
		st.alert = f.v.t("form.csrf")
		h.renderConfirm(w, r, f, http.StatusForbidden, st)
		return
	}
	switch {
	case st.username == "":
		label, _ := identifierLabel(f.v, p)
		st.usernameError = f.v.t("signin.enter", strings.ToLower(label))
	case len(st.username) > maxIdentifier:
		st.usernameError = f.v.t("signin.too_long")
	}
	switch {
	case st.code == "":
		st.codeError = f.v.t("err.enter_code")
	case !validCode(st.code):
		st.codeError = f.v.t("code.invalid")
	}
	if st.usernameError != "" || st.codeError != "" {
		h.renderConfirm(w, r, f, http.StatusBadRequest, st)
		return
	}
	u, err := h.Users.ConfirmSignUp(r.Context(), f.client, st.username, st.code, false)
	if err != nil {
		if isInternal(err) {
			h.internal(w, r, f.v, err)
			return
		}
		// Every other refusal — a wrong code, an unknown or already confirmed user — reads as
		// a wrong code, so the page does not tell who has an account.
		st.codeError = codeError(f.v, err)
		if st.codeError == "" || errs.Is(err, errs.UserNotFound) || errs.Is(err, errs.NotAuthorized) {
			st.codeError = f.v.t("code.mismatch")
		}
		st.code = ""
		h.renderConfirm(w, r, f, http.StatusBadRequest, st)
		return
	}
	if s != nil && s.Sub == u.Sub {
		h.finish(w, r, f, u.Sub)
		return
	}
	if f.ar != nil {
		h.messageLink(w, r, http.StatusOK, f.v, &templates.Link{URL: h.pageURL(p, "login", arQuery(f.ar)), Text: f.v.t("confirm.sign_in")},
			"confirm.done_title", "confirm.done")
		return
	}
	h.message(w, r, http.StatusOK, f.v, "confirm.done_title", "confirm.done", "confirm.back_to_app")
}

// resend sends a new sign-up code. The answer is the same whether or not the account exists
// or waits for confirmation; only a throttled send says so (and only a real account can be
// throttled by its own sends, which someone without the account cannot cause for long).
func (h *Handler) resend(w http.ResponseWriter, r *http.Request, p *pool.Pool) {
	if !h.readForm(w, r, p) {
		return
	}
	f := h.optionalFlow(w, r, p, "confirm")
	if f == nil {
		return
	}
	st := confirmState{username: strings.TrimSpace(r.PostFormValue(fUsername))}
	if !h.checkCSRF(r, p.Id) {
		st.alert = f.v.t("form.csrf")
		h.renderConfirm(w, r, f, http.StatusForbidden, st)
		return
	}
	if st.username == "" || len(st.username) > maxIdentifier {
		label, _ := identifierLabel(f.v, p)
		st.usernameError = f.v.t("signin.enter", strings.ToLower(label))
		h.renderConfirm(w, r, f, http.StatusBadRequest, st)
		return
	}
	_, err := h.Users.ResendConfirmationCode(r.Context(), f.client, st.username)
	switch {
	case err == nil:
	case errs.Is(err, errs.LimitExceeded):
		st.alert = f.v.t("code.limit")
		h.renderConfirm(w, r, f, http.StatusTooManyRequests, st)
		return
	case isInternal(err):
		h.internal(w, r, f.v, err)
		return
	default:
		h.logger().InfoContext(r.Context(), "resend confirmation code refused", "pool", p.Id, "err", err)
	}
	st.notice = f.v.t("confirm.resent")
	h.renderConfirm(w, r, f, http.StatusOK, st)
}
