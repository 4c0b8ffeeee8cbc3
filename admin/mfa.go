package admin

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/userpool/userpool/mfa"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/templates"
	"github.com/userpool/userpool/user"
)

// MFA reads and changes users' second factors (*mfa.Service is one).
type MFA interface {
	GetStatus(ctx context.Context, poolID, sub string) (*mfa.Status, error)
	SetPreference(ctx context.Context, poolID, sub string, pref mfa.Preference) error
	Reset(ctx context.Context, poolID, sub string) error
}

var factorNames = map[mfa.Factor]string{mfa.SoftwareToken: "Authenticator app", mfa.SMS: "Code by SMS", mfa.Email: "Code by email"}

// mfaFields maps the pool service's SetMfaConfig messages to the form's fields.
var mfaFields = []field{{"needs at least one", "factors"}, {"MfaConfiguration", "configuration"}, {"{####}", "sms_message"}, {"SMS", "sms_message"}}

func (h *Handler) mfaView(w http.ResponseWriter, r *http.Request, op *operator, p *pool.Pool) templates.AdminMFA {
	return templates.AdminMFA{AdminBase: h.poolBase(w, r, op, p, "mfa", "MFA"), Configuration: p.MfaConfiguration,
		Factors: p.MfaFactors, SMSMessage: p.Templates().MFA.SMS}
}

func (h *Handler) mfaPage(w http.ResponseWriter, r *http.Request, op *operator) {
	if p := h.loadPool(w, r, op); p != nil {
		h.render(w, r, http.StatusOK, templates.AdminPageMFA, h.mfaView(w, r, op, p))
	}
}

// saveMFA is SetUserPoolMfaConfig from the form.
func (h *Handler) saveMFA(w http.ResponseWriter, r *http.Request, op *operator) {
	p := h.loadPool(w, r, op)
	if p == nil {
		return
	}
	factors := r.PostForm["factor"]
	in := pool.MfaConfig{MfaConfiguration: r.PostFormValue("configuration"), SmsAuthenticationMessage: strings.TrimSpace(r.PostFormValue("sms_message")),
		Factors: pool.MfaFactors{SMS: slices.Contains(factors, string(mfa.SMS)), SoftwareToken: slices.Contains(factors, string(mfa.SoftwareToken)),
			Email: slices.Contains(factors, string(mfa.Email))}}
	v := h.mfaView(w, r, op, p)
	v.Configuration, v.Factors, v.SMSMessage = in.MfaConfiguration, in.Factors, in.SmsAuthenticationMessage
	if in.MfaConfiguration == "" {
		h.render(w, r, fieldError(&v.AdminBase, "configuration", "Choose off, optional or required."), templates.AdminPageMFA, v)
		return
	}
	if _, err := h.Pools.SetMfaConfig(r.Context(), p.Id, in); err != nil {
		h.render(w, r, h.formFailure(r, &v.AdminBase, err, mfaFields...), templates.AdminPageMFA, v)
		return
	}
	h.logger().InfoContext(r.Context(), "console: MFA settings saved", "operator", op.username, "pool", p.Id, "mfa", in.MfaConfiguration)
	h.redirect(w, r, "/admin/pools/"+p.Id+"/mfa", "saved")
}

// userMFA fills the user page's MFA section.
func (h *Handler) userMFA(ctx context.Context, v *templates.AdminUser, p *pool.Pool, u *user.User) error {
	if h.MFA == nil {
		return nil
	}
	st, err := h.MFA.GetStatus(ctx, p.Id, u.Sub)
	if err != nil {
		return err
	}
	v.MFA = st
	for _, f := range mfa.Factors {
		v.Factors = append(v.Factors, templates.AdminFactor{Factor: f, Name: factorNames[f], Offered: slices.Contains(st.Offered, f),
			Enabled: slices.Contains(st.Enabled, f), Preferred: st.Preferred == f})
	}
	return nil
}

// userMFAChange turns one of the user's factors on or off, or resets all of their MFA.
func (h *Handler) userMFAChange(w http.ResponseWriter, r *http.Request, op *operator) {
	p, u := h.loadUser(w, r, op)
	if u == nil {
		return
	}
	if h.MFA == nil {
		h.fail(w, r, op, errInvalid("This server has no MFA."))
		return
	}
	ctx := r.Context()
	var err error
	done, id := "saved", "mfa"
	switch {
	case r.PostFormValue("reset") == "all":
		id = "mfa-confirm"
		if r.PostFormValue("confirm") != "yes" {
			err = errInvalid("Tick the box to confirm that every factor of the user is removed.")
			break
		}
		err, done = h.MFA.Reset(ctx, p.Id, u.Sub), "mfareset"
	case r.PostFormValue("enable") != "" || r.PostFormValue("disable") != "":
		on := r.PostFormValue("enable") != ""
		var f mfa.Factor
		if f, err = mfa.ParseFactor(r.PostFormValue("enable") + r.PostFormValue("disable")); err != nil {
			break
		}
		err = h.MFA.SetPreference(ctx, p.Id, u.Sub, mfa.PreferenceFor(f, mfa.Setting{Enabled: on}))
	default:
		err = errInvalid("Unknown action.")
	}
	if err != nil {
		h.renderUserWith(w, r, op, p, u, func(v *templates.AdminUser) int {
			status := h.formFailure(r, &v.AdminBase, err)
			if v.Alert != "" && v.Errors == nil && status == http.StatusBadRequest {
				status = fieldError(&v.AdminBase, id, v.Alert)
			}
			return status
		})
		return
	}
	h.logger().InfoContext(ctx, "console: user MFA changed", "operator", op.username, "pool", p.Id, "sub", u.Sub)
	h.redirect(w, r, h.userURL(p, u), done)
}
