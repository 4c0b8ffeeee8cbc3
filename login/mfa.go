package login

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gorilla/mux"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/mfa"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/session"
	"github.com/userpool/userpool/templates"
)

// The second factor of a sign-in on the hosted pages: after the password (and the new-password
// and profile steps) a user who needs one is sent to /mfa, which asks for the code of the
// step package mfa chose — an authenticator app, a texted or emailed code, or a recovery code
// in its place — lets the user choose when several factors are enabled, or enrols an
// authenticator (QR code served as an image by /mfa/qr, and the key for typing in) and shows
// the recovery codes once. Only then does the sign-in complete, with the amr of what happened.
// The attempt's handle lives in the signed step cookie, bound to the authorization request.
// The same step, bound to no request, is the step-up of the manage page (see stepUp).

// MFA is what the pages need of package mfa (*mfa.Service is one).
type MFA interface {
	Begin(ctx context.Context, poolID, sub string) (*mfa.Challenge, error)
	Select(ctx context.Context, poolID, handle, answer string) (*mfa.Challenge, error)
	Answer(ctx context.Context, poolID, handle, code string) (*mfa.Result, error)
	PendingSetup(ctx context.Context, poolID, handle string) (*mfa.Enrolment, error)
	SetupVerify(ctx context.Context, poolID, handle, code string) (*mfa.Enrolled, error)
	Finish(ctx context.Context, poolID, handle string) (*mfa.Result, error)
	GetStatus(ctx context.Context, poolID, sub string) (*mfa.Status, error)
	SetPreference(ctx context.Context, poolID, sub string, pref mfa.Preference) error
	RegenerateRecoveryCodes(ctx context.Context, poolID, sub string) ([]string, error)
	Associate(ctx context.Context, poolID, sub string) (*mfa.Enrolment, error)
	Pending(ctx context.Context, poolID, sub string) (*mfa.Enrolment, error)
	VerifyEnrolment(ctx context.Context, poolID, sub, code string) (*mfa.Enrolled, error)
}

const (
	fFactor = "factor"
	fOp     = "op"
	// mfaVerified is the step cookie's MFAStep once MFA_SETUP's authenticator is verified.
	mfaVerified = "verified"
	// maxCode bounds a posted code: 6 digits, or a 19-character recovery code.
	maxCode = 64
)

func (h *Handler) mountMFA(r *mux.Router) {
	r.HandleFunc(poolPath+"/mfa", h.pageHandler(h.mfaPage)).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc(poolPath+"/mfa", h.pageHandler(h.mfaPost)).Methods(http.MethodPost)
	r.HandleFunc(poolPath+"/mfa/qr", h.pageHandler(h.mfaQR)).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc(poolPath+"/mfa/manage", h.pageHandler(h.managePage)).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc(poolPath+"/mfa/manage", h.pageHandler(h.managePost)).Methods(http.MethodPost)
	r.HandleFunc(poolPath+"/mfa/manage/setup", h.pageHandler(h.manageSetupPage)).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc(poolPath+"/mfa/manage/setup", h.pageHandler(h.manageSetup)).Methods(http.MethodPost)
	r.HandleFunc(poolPath+"/mfa/manage/qr", h.pageHandler(h.manageQR)).Methods(http.MethodGet, http.MethodHead)
}

// secondFactor reports whether sub needs a second factor before the sign-in completes, and if
// so starts it and sends the browser to the MFA page.
func (h *Handler) secondFactor(w http.ResponseWriter, r *http.Request, f *flow, sub string) bool {
	u, err := h.Users.GetBySub(r.Context(), f.p.Id, sub)
	if err != nil {
		if isInternal(err) {
			h.internal(w, r, f.v, err)
		} else {
			h.stepExpired(w, r, f)
		}
		return true
	}
	if mfa.Decide(f.p, u).Step == mfa.StepNone {
		return false
	}
	if h.MFA == nil {
		// Fail closed: without the MFA service nobody who needs a second factor signs in.
		h.clearStep(w, f.p.Id)
		h.message(w, r, http.StatusForbidden, f.v, "mfa.unavailable_title", "mfa.unavailable")
		return true
	}
	ch, err := h.MFA.Begin(r.Context(), f.p.Id, sub)
	switch {
	case errs.Is(err, errs.InvalidUserPoolConfig):
		h.clearStep(w, f.p.Id)
		h.message(w, r, http.StatusForbidden, f.v, "mfa.unavailable_title", "mfa.no_factor")
		return true
	case err != nil:
		h.internal(w, r, f.v, err)
		return true
	case ch.Step == mfa.StepNone:
		return false
	}
	s := step{Pool: f.p.Id, Sub: sub, Request: f.ar.ID, Kind: stepMFA, MFA: ch.Handle}
	setMFAStep(&s, ch)
	h.setStep(w, s, mfa.AttemptTTL)
	http.Redirect(w, r, h.pageURL(f.p, "mfa", arQuery(f.ar)), http.StatusSeeOther)
	return true
}

func setMFAStep(s *step, ch *mfa.Challenge) {
	s.MFAStep, s.Options, s.Destination = string(ch.Step), nil, ""
	for _, o := range ch.Options {
		s.Options = append(s.Options, string(o))
	}
	if ch.Delivery != nil {
		s.Destination = ch.Delivery.Destination
	}
}

// mfaFlow loads the flow and the MFA step cookie of the request; nil when it has none.
func (h *Handler) mfaFlow(w http.ResponseWriter, r *http.Request, p *pool.Pool) (*flow, *step) {
	if r.FormValue("authRequestID") == "" && h.MFA != nil {
		if s := h.getStep(r, p.Id, "", stepMFA); s != nil {
			return &flow{p: p, v: h.view(r, p, nil)}, s
		}
	}
	f := h.startFlow(w, r, p, "login")
	if f == nil {
		return nil, nil
	}
	s := h.getStep(r, p.Id, f.ar.ID, stepMFA)
	if s == nil || h.MFA == nil {
		h.stepExpired(w, r, f)
		return nil, nil
	}
	return f, s
}

// mfaPage shows the current second-factor step.
func (h *Handler) mfaPage(w http.ResponseWriter, r *http.Request, p *pool.Pool) {
	f, s := h.mfaFlow(w, r, p)
	if f == nil {
		return
	}
	h.renderMFA(w, r, f, s, http.StatusOK, "", "")
}

// renderMFA renders the page of the step s with an error on the code (codeErr) or the page
// (alert).
func (h *Handler) renderMFA(w http.ResponseWriter, r *http.Request, f *flow, s *step, status int, codeErr, alert string) {
	recovery := r.FormValue("recovery") == "1"
	page := templates.MFAStep{Action: h.pageURL(f.p, "mfa", nil)}
	title := "mfa.title"
	switch mfa.Step(s.MFAStep) {
	case mfa.StepSelect:
		title = "mfa.select_title"
		page.Action = ""
		page.Intro = []string{f.v.t("mfa.select_intro")}
		for i, o := range s.Options {
			page.Choices = append(page.Choices, templates.Button{Action: h.pageURL(f.p, "mfa", nil), Primary: i == 0,
				Hidden: []templates.Hidden{{Name: fFactor, Value: o}}, Text: f.v.t("mfa.use." + strings.ToLower(o))})
		}
	case mfa.StepSetup:
		en, err := h.MFA.PendingSetup(r.Context(), f.p.Id, s.MFA)
		if err != nil {
			h.mfaError(w, r, f, err)
			return
		}
		title = "mfa.setup_title"
		page.Intro = []string{f.v.t("mfa.setup_intro")}
		page.QRURL = h.pageURL(f.p, "mfa/qr", arQuery(f.ar))
		page.Key = en.Secret
		page.Inputs = []templates.Input{mfaCodeInput(f.v, "mfa.code_app", codeErr)}
		page.Submit = f.v.t("mfa.setup_submit")
	case mfaVerified:
		page.Intro = []string{f.v.t("mfa.setup_done")}
		page.Submit = f.v.t("mfa.continue")
	default:
		intro := map[mfa.Step]string{mfa.StepTOTP: f.v.t("mfa.intro_totp"), mfa.StepSMS: f.v.t("mfa.intro_sms", s.Destination),
			mfa.StepEmail: f.v.t("mfa.intro_email", s.Destination)}[mfa.Step(s.MFAStep)]
		in := mfaCodeInput(f.v, "mfa.code", codeErr)
		link := templates.Link{URL: h.pageURL(f.p, "mfa", arQuery(f.ar, "recovery", "1")), Text: f.v.t("mfa.use_recovery")}
		if recovery {
			intro = f.v.t("mfa.intro_recovery")
			in = templates.Input{Name: fCode, ID: "code", Label: f.v.t("mfa.recovery_code"), Type: "text", Autocomplete: "off",
				Required: true, MaxLength: maxCode, Error: codeErr}
			link = templates.Link{URL: h.pageURL(f.p, "mfa", arQuery(f.ar)), Text: f.v.t("mfa.use_code")}
		}
		page.Intro = []string{intro}
		page.Inputs = []templates.Input{in}
		page.Submit = f.v.t("mfa.submit")
		page.Links = []templates.Link{link}
	}
	if f.ar == nil {
		page.Links = append(page.Links, h.backToManage(f.p, f.v))
	} else {
		page.Links = append(page.Links, h.links(f, "back")...)
	}
	h.mfaStepPage(w, r, f, status, title, alert, page)
}

// mfaStepPage renders a second-factor page of the flow; every form carries the request.
func (h *Handler) mfaStepPage(w http.ResponseWriter, r *http.Request, f *flow, status int, title, alert string, page templates.MFAStep) {
	page.Base = f.v.base(title, h.csrf(w, r, f.p.Id))
	page.Alert = alert
	if f.ar == nil {
		h.render(w, r, status, templates.PageMFAStep, page)
		return
	}
	ar := templates.Hidden{Name: "authRequestID", Value: f.ar.ID}
	page.Hidden = append([]templates.Hidden{ar}, page.Hidden...)
	for i := range page.Choices {
		page.Choices[i].Hidden = append([]templates.Hidden{ar}, page.Choices[i].Hidden...)
	}
	h.render(w, r, status, templates.PageMFAStep, page)
}

// mfaCodeInput is the input of a second-factor code.
func mfaCodeInput(v view, labelKey, errText string) templates.Input {
	return templates.Input{Name: fCode, ID: "code", Label: v.t(labelKey), Hint: v.t("mfa.code_hint"), Type: "text", InputMode: "numeric",
		Autocomplete: "one-time-code", Required: true, MaxLength: maxCode, Error: errText}
}

// mfaError answers an error of the mfa service: the end of the attempt (too many codes, expired)
// sends the user back to sign in; a fault is ours.
func (h *Handler) mfaError(w http.ResponseWriter, r *http.Request, f *flow, err error) {
	if isInternal(err) {
		h.internal(w, r, f.v, err)
		return
	}
	h.clearStep(w, f.p.Id)
	if f.ar == nil {
		// A step-up starts again from the manage page.
		back := h.backToManage(f.p, f.v)
		h.messageLink(w, r, http.StatusUnauthorized, f.v, &back, "mfa.ended_title", "mfa.ended_manage")
		return
	}
	if errs.Is(err, errs.NotAuthorized) {
		h.messageLink(w, r, http.StatusUnauthorized, f.v, &templates.Link{URL: h.pageURL(f.p, "login", arQuery(f.ar)), Text: f.v.t("signin.submit")},
			"mfa.ended_title", "mfa.ended")
		return
	}
	h.stepExpired(w, r, f)
}

// mfaPost answers the current step.
func (h *Handler) mfaPost(w http.ResponseWriter, r *http.Request, p *pool.Pool) {
	if !h.readForm(w, r, p) {
		return
	}
	f, s := h.mfaFlow(w, r, p)
	if f == nil {
		return
	}
	if !h.checkCSRF(r, p.Id) {
		h.renderMFA(w, r, f, s, http.StatusForbidden, "", f.v.t("form.csrf"))
		return
	}
	ctx := r.Context()
	switch mfa.Step(s.MFAStep) {
	case mfa.StepSelect:
		factor := r.PostFormValue(fFactor)
		if !slices.Contains(s.Options, factor) {
			h.renderMFA(w, r, f, s, http.StatusBadRequest, "", f.v.t("mfa.select_intro"))
			return
		}
		ch, err := h.MFA.Select(ctx, p.Id, s.MFA, factor)
		if err != nil {
			h.mfaError(w, r, f, err)
			return
		}
		setMFAStep(s, ch)
		h.setStep(w, *s, mfa.AttemptTTL)
		http.Redirect(w, r, h.pageURL(p, "mfa", arQuery(f.ar)), http.StatusSeeOther)
		return
	case mfaVerified:
		res, err := h.MFA.Finish(ctx, p.Id, s.MFA)
		if err != nil {
			h.mfaError(w, r, f, err)
			return
		}
		h.mfaDone(w, r, f, s.Sub, res.AMR)
		return
	}
	code := strings.TrimSpace(r.PostFormValue(fCode))
	switch {
	case code == "":
		h.renderMFA(w, r, f, s, http.StatusBadRequest, f.v.t("mfa.enter_code"), "")
		return
	case len(code) > maxCode:
		h.renderMFA(w, r, f, s, http.StatusBadRequest, f.v.t("code.mismatch"), "")
		return
	}
	if mfa.Step(s.MFAStep) == mfa.StepSetup {
		enrolled, err := h.MFA.SetupVerify(ctx, p.Id, s.MFA, code)
		if wrongCode(err) {
			h.renderMFA(w, r, f, s, http.StatusBadRequest, f.v.t("code.mismatch"), "")
			return
		}
		if err != nil {
			h.mfaError(w, r, f, err)
			return
		}
		s.MFAStep = mfaVerified
		h.setStep(w, *s, mfa.AttemptTTL)
		if len(enrolled.RecoveryCodes) == 0 {
			res, err := h.MFA.Finish(ctx, p.Id, s.MFA)
			if err != nil {
				h.mfaError(w, r, f, err)
				return
			}
			h.mfaDone(w, r, f, s.Sub, res.AMR)
			return
		}
		// The recovery codes are shown once, here; the next button completes the sign-in.
		h.mfaStepPage(w, r, f, http.StatusOK, "mfa.recovery_title", "", templates.MFAStep{
			Intro: []string{f.v.t("mfa.recovery_intro")}, RecoveryCodes: enrolled.RecoveryCodes,
			Action: h.pageURL(p, "mfa", nil), Submit: f.v.t("mfa.continue")})
		return
	}
	res, err := h.MFA.Answer(ctx, p.Id, s.MFA, code)
	if wrongCode(err) {
		h.renderMFA(w, r, f, s, http.StatusBadRequest, f.v.t("code.mismatch"), "")
		return
	}
	if err != nil {
		h.mfaError(w, r, f, err)
		return
	}
	h.mfaDone(w, r, f, s.Sub, res.AMR)
}

// mfaDone completes what the second factor was for: the sign-in of the request, or the
// step-up of the browser's SSO session, which then returns to the manage page.
func (h *Handler) mfaDone(w http.ResponseWriter, r *http.Request, f *flow, sub string, amr []string) {
	if f.ar != nil {
		h.completeSignIn(w, r, f, sub, amr)
		return
	}
	h.clearStep(w, f.p.Id)
	if s := h.ssoSession(r, f.p); s == nil || s.Sub != sub {
		// The session ended, or another user signed in, meanwhile: there is nothing to upgrade.
		h.message(w, r, http.StatusUnauthorized, f.v, "mfa.manage_signin_title", "mfa.manage_signin")
		return
	}
	if err := h.upgradeSession(w, r, f.p, sub, amr); err != nil {
		h.internal(w, r, f.v, err)
		return
	}
	http.Redirect(w, r, h.pageURL(f.p, "mfa/manage", nil), http.StatusSeeOther)
}

// upgradeSession re-issues the browser's SSO session of sub with amr, the methods of a
// sign-in that now includes a second factor; the session id changes with the privilege.
func (h *Handler) upgradeSession(w http.ResponseWriter, r *http.Request, p *pool.Pool, sub string, amr []string) error {
	var old string
	if c, err := r.Cookie(sessionCookie); err == nil && validCookieValue(c.Value) {
		old = c.Value
	}
	sid, err := h.Sessions.Start(r.Context(), p.Id, old, sub, h.now().UTC(), amr)
	if err != nil {
		return fmt.Errorf("upgrade sso session: %w", err)
	}
	http.SetCookie(w, h.cookie(p.Id, sessionCookie, sid, 0))
	return nil
}

// backToManage links to the manage page.
func (h *Handler) backToManage(p *pool.Pool, v view) templates.Link {
	return templates.Link{URL: h.pageURL(p, "mfa/manage", nil), Text: v.t("mfa.back_manage")}
}

// wrongCode reports whether err is a wrong code the user may correct.
func wrongCode(err error) bool {
	return errs.Is(err, errs.CodeMismatch) || errs.Is(err, errs.EnableSoftwareTokenMFA) || errs.Is(err, errs.ExpiredCode)
}

// mfaQR serves the QR code of the enrolment of the request's MFA_SETUP step.
func (h *Handler) mfaQR(w http.ResponseWriter, r *http.Request, p *pool.Pool) {
	f, s := h.mfaFlow(w, r, p)
	if f == nil {
		return
	}
	if mfa.Step(s.MFAStep) != mfa.StepSetup {
		http.NotFound(w, r)
		return
	}
	en, err := h.MFA.PendingSetup(r.Context(), p.Id, s.MFA)
	if err != nil {
		h.mfaError(w, r, f, err)
		return
	}
	h.servePNG(w, r, en)
}

// servePNG writes the QR code of an enrolment.
func (h *Handler) servePNG(w http.ResponseWriter, r *http.Request, en *mfa.Enrolment) {
	b, err := mfa.QRCode(en.URI)
	if err != nil {
		h.logger().ErrorContext(r.Context(), "render qr code", "err", err)
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
}

// The manage page: a user signed in to the pool (SSO session) enables, disables and prefers
// factors, sets up a (new) authenticator app and regenerates recovery codes. A session
// without a second factor may do so only while the user needs none (mfa.ChangeNeedsProof):
// otherwise the browser first passes the user's second factor (stepUp), so that a password
// alone never turns off or replaces the factor that guards it.

// manageUser returns the signed-in user's SSO session, or answers that the user must sign in
// (or pass the second factor) first.
func (h *Handler) manageUser(w http.ResponseWriter, r *http.Request, p *pool.Pool) (*session.BrowserSession, view, bool) {
	v := h.view(r, p, nil)
	s := h.ssoSession(r, p)
	if s == nil || h.MFA == nil {
		h.message(w, r, http.StatusUnauthorized, v, "mfa.manage_signin_title", "mfa.manage_signin")
		return nil, v, false
	}
	u, err := h.Users.Resume(r.Context(), p.Id, s.Sub)
	if err != nil {
		if isInternal(err) {
			h.internal(w, r, v, err)
		} else {
			h.message(w, r, http.StatusUnauthorized, v, "mfa.manage_signin_title", "mfa.manage_signin")
		}
		return nil, v, false
	}
	if mfa.ChangeNeedsProof(p, u, s.AMR) {
		h.stepUp(w, r, p, v, s.Sub)
		return nil, v, false
	}
	return s, v, true
}

// stepUp sends the browser through the second-factor step of sub, bound to no authorization
// request; passing it upgrades the SSO session (mfaDone) and returns to the manage page.
func (h *Handler) stepUp(w http.ResponseWriter, r *http.Request, p *pool.Pool, v view, sub string) {
	ch, err := h.MFA.Begin(r.Context(), p.Id, sub)
	switch {
	case err == nil && ch.Step != mfa.StepNone:
	case err == nil || errs.Is(err, errs.InvalidUserPoolConfig):
		// A factor that no sign-in asks for now (MFA off, a factor the pool no longer offers or
		// that cannot reach the user) cannot be proved, so it is not changed here either.
		h.message(w, r, http.StatusForbidden, v, "mfa.unavailable_title", "mfa.manage_unprovable")
		return
	case isInternal(err):
		h.internal(w, r, v, err)
		return
	default:
		h.message(w, r, http.StatusUnauthorized, v, "mfa.manage_signin_title", "mfa.manage_signin")
		return
	}
	s := step{Pool: p.Id, Sub: sub, Kind: stepMFA, MFA: ch.Handle}
	setMFAStep(&s, ch)
	h.setStep(w, s, mfa.AttemptTTL)
	http.Redirect(w, r, h.pageURL(p, "mfa", nil), http.StatusSeeOther)
}

func (h *Handler) managePage(w http.ResponseWriter, r *http.Request, p *pool.Pool) {
	s, v, ok := h.manageUser(w, r, p)
	if !ok {
		return
	}
	h.renderManage(w, r, p, v, s, http.StatusOK, "")
}

func (h *Handler) renderManage(w http.ResponseWriter, r *http.Request, p *pool.Pool, v view, s *session.BrowserSession, status int, alert string) {
	st, err := h.MFA.GetStatus(r.Context(), p.Id, s.Sub)
	if err != nil {
		h.internal(w, r, v, err)
		return
	}
	action := h.pageURL(p, "mfa/manage", nil)
	button := func(op string, f mfa.Factor, text string, primary bool) templates.Button {
		hidden := []templates.Hidden{{Name: fOp, Value: op}}
		if f != "" {
			hidden = append(hidden, templates.Hidden{Name: fFactor, Value: string(f)})
		}
		return templates.Button{Action: action, Hidden: hidden, Text: v.t(text), Primary: primary}
	}
	page := templates.MFAManage{Base: v.base("mfa.manage_title", h.csrf(w, r, p.Id))}
	page.Alert = alert
	if len(st.Offered) == 0 {
		page.Intro = []string{v.t("mfa.manage_off")}
	} else {
		page.Intro = []string{v.t("mfa.manage_intro." + strings.ToLower(st.Policy))}
	}
	for _, f := range st.Offered {
		row := templates.MFAFactor{Name: v.t("mfa.factor." + strings.ToLower(string(f)))}
		enabled := slices.Contains(st.Enabled, f)
		switch {
		case enabled && st.Preferred == f:
			row.Status = v.t("mfa.status_preferred")
		case enabled:
			row.Status = v.t("mfa.status_on")
			row.Actions = append(row.Actions, button("prefer", f, "mfa.prefer", false))
		default:
			row.Status = v.t("mfa.status_off")
		}
		switch {
		case enabled:
			row.Actions = append(row.Actions, button("disable", f, "mfa.disable", false))
		case f == mfa.SoftwareToken && !st.AuthenticatorEnrolled:
			row.Actions = append(row.Actions, button("setup", "", "mfa.setup", true))
		default:
			row.Actions = append(row.Actions, button("enable", f, "mfa.enable", true))
		}
		if f == mfa.SoftwareToken && st.AuthenticatorEnrolled {
			row.Actions = append(row.Actions, button("setup", "", "mfa.setup_new", false))
		}
		page.Factors = append(page.Factors, row)
	}
	if len(st.Offered) > 0 {
		page.Recovery = v.t("mfa.recovery_left", st.RecoveryCodesLeft)
		if mfa.Proven(s.AMR) {
			page.Actions = []templates.Button{button("recovery", "", "mfa.recovery_new", false)}
		}
	}
	h.render(w, r, status, templates.PageMFAManage, page)
}

func (h *Handler) managePost(w http.ResponseWriter, r *http.Request, p *pool.Pool) {
	if !h.readForm(w, r, p) {
		return
	}
	s, v, ok := h.manageUser(w, r, p)
	if !ok {
		return
	}
	if !h.checkCSRF(r, p.Id) {
		h.renderManage(w, r, p, v, s, http.StatusForbidden, v.t("form.csrf"))
		return
	}
	ctx := r.Context()
	var err error
	switch op := r.PostFormValue(fOp); op {
	case "enable", "disable", "prefer":
		f, ferr := mfa.ParseFactor(r.PostFormValue(fFactor))
		if ferr != nil {
			h.renderManage(w, r, p, v, s, http.StatusBadRequest, v.t("err.bad_form"))
			return
		}
		err = h.MFA.SetPreference(ctx, p.Id, s.Sub, mfa.PreferenceFor(f, mfa.Setting{Enabled: op != "disable", Preferred: op == "prefer"}))
	case "recovery":
		if !mfa.Proven(s.AMR) {
			// Codes made by a password alone would later stand in for the user's first factor,
			// unseen by the user; that factor's setup gives the first codes.
			h.renderManage(w, r, p, v, s, http.StatusForbidden, v.t("mfa.recovery_needs_factor"))
			return
		}
		codes, err := h.MFA.RegenerateRecoveryCodes(ctx, p.Id, s.Sub)
		if err != nil {
			h.manageError(w, r, p, v, s, err)
			return
		}
		page := templates.MFAStep{Base: v.base("mfa.recovery_title", ""), Intro: []string{v.t("mfa.recovery_intro")}, RecoveryCodes: codes,
			Links: []templates.Link{h.backToManage(p, v)}}
		h.render(w, r, http.StatusOK, templates.PageMFAStep, page)
		return
	case "setup":
		if _, err = h.MFA.Associate(ctx, p.Id, s.Sub); err == nil {
			http.Redirect(w, r, h.pageURL(p, "mfa/manage/setup", nil), http.StatusSeeOther)
			return
		}
	default:
		h.renderManage(w, r, p, v, s, http.StatusBadRequest, v.t("err.bad_form"))
		return
	}
	if err != nil {
		h.manageError(w, r, p, v, s, err)
		return
	}
	http.Redirect(w, r, h.pageURL(p, "mfa/manage", nil), http.StatusSeeOther)
}

// manageError shows a refused change on the manage page.
func (h *Handler) manageError(w http.ResponseWriter, r *http.Request, p *pool.Pool, v view, s *session.BrowserSession, err error) {
	if isInternal(err) {
		h.internal(w, r, v, err)
		return
	}
	h.renderManage(w, r, p, v, s, http.StatusBadRequest, v.t("err.invalid", errMessage(err)))
}

func (h *Handler) manageSetupPage(w http.ResponseWriter, r *http.Request, p *pool.Pool) {
	s, v, ok := h.manageUser(w, r, p)
	if !ok {
		return
	}
	h.renderManageSetup(w, r, p, v, s.Sub, http.StatusOK, "", "")
}

func (h *Handler) renderManageSetup(w http.ResponseWriter, r *http.Request, p *pool.Pool, v view, sub string, status int, codeErr, alert string) {
	en, err := h.MFA.Pending(r.Context(), p.Id, sub)
	if err != nil {
		h.internal(w, r, v, err)
		return
	}
	if en == nil {
		http.Redirect(w, r, h.pageURL(p, "mfa/manage", nil), http.StatusSeeOther)
		return
	}
	page := templates.MFAStep{Base: v.base("mfa.setup_title", h.csrf(w, r, p.Id)), Intro: []string{v.t("mfa.setup_intro")},
		QRURL: h.pageURL(p, "mfa/manage/qr", nil), Key: en.Secret, Action: h.pageURL(p, "mfa/manage/setup", nil),
		Inputs: []templates.Input{mfaCodeInput(v, "mfa.code_app", codeErr)}, Submit: v.t("mfa.setup_submit"),
		Links: []templates.Link{h.backToManage(p, v)}}
	page.Alert = alert
	h.render(w, r, status, templates.PageMFAStep, page)
}

func (h *Handler) manageSetup(w http.ResponseWriter, r *http.Request, p *pool.Pool) {
	if !h.readForm(w, r, p) {
		return
	}
	s, v, ok := h.manageUser(w, r, p)
	if !ok {
		return
	}
	if !h.checkCSRF(r, p.Id) {
		h.renderManageSetup(w, r, p, v, s.Sub, http.StatusForbidden, "", v.t("form.csrf"))
		return
	}
	code := strings.TrimSpace(r.PostFormValue(fCode))
	if code == "" || len(code) > maxCode {
		h.renderManageSetup(w, r, p, v, s.Sub, http.StatusBadRequest, v.t("mfa.enter_code"), "")
		return
	}
	enrolled, err := h.MFA.VerifyEnrolment(r.Context(), p.Id, s.Sub, code)
	switch {
	case wrongCode(err):
		h.renderManageSetup(w, r, p, v, s.Sub, http.StatusBadRequest, v.t("code.mismatch"), "")
		return
	case err != nil:
		h.manageError(w, r, p, v, s, err)
		return
	}
	if !mfa.Proven(s.AMR) {
		// The code proved possession of the new authenticator app: the session now has a
		// second factor, as a sign-in that set the app up would.
		if err := h.upgradeSession(w, r, p, s.Sub, mfa.AMR(mfa.SoftwareToken)); err != nil {
			h.internal(w, r, v, err)
			return
		}
	}
	if len(enrolled.RecoveryCodes) == 0 {
		http.Redirect(w, r, h.pageURL(p, "mfa/manage", nil), http.StatusSeeOther)
		return
	}
	h.render(w, r, http.StatusOK, templates.PageMFAStep, templates.MFAStep{Base: v.base("mfa.recovery_title", ""),
		Intro: []string{v.t("mfa.recovery_intro")}, RecoveryCodes: enrolled.RecoveryCodes,
		Links: []templates.Link{h.backToManage(p, v)}})
}

// manageQR serves the QR code of the signed-in user's pending authenticator.
func (h *Handler) manageQR(w http.ResponseWriter, r *http.Request, p *pool.Pool) {
	s, v, ok := h.manageUser(w, r, p)
	if !ok {
		return
	}
	en, err := h.MFA.Pending(r.Context(), p.Id, s.Sub)
	if err != nil {
		h.internal(w, r, v, err)
		return
	}
	if en == nil {
		http.NotFound(w, r)
		return
	}
	h.servePNG(w, r, en)
}
