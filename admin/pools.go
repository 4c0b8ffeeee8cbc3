package admin

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/gorilla/mux"

	"github.com/userpool/userpool/message"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/templates"
)

// chartDays is how many days the dashboard's chart shows.
const chartDays = 30

// poolRows lists one page of pools with their user counts.
func (h *Handler) poolRows(r *http.Request, after string) ([]templates.AdminPoolRow, string, error) {
	pools, next, err := h.Pools.ListPools(r.Context(), pool.Page{After: after, Limit: 50})
	if err != nil {
		return nil, "", err
	}
	rows := make([]templates.AdminPoolRow, 0, len(pools))
	for _, p := range pools {
		n, err := h.Pools.CountUsers(r.Context(), p.Id)
		if err != nil {
			return nil, "", err
		}
		rows = append(rows, templates.AdminPoolRow{Pool: p, Users: n})
	}
	return rows, next, nil
}

func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request, op *operator) {
	rows, next, err := h.poolRows(r, "")
	if err != nil {
		h.fail(w, r, op, err)
		return
	}
	v := templates.AdminDashboard{AdminBase: h.base(w, r, op, "Dashboard"), Pools: rows, More: next}
	want := r.URL.Query().Get("pool")
	for _, row := range rows {
		if want == row.Pool.Id || want == "" && v.Selected == nil {
			v.Selected = row.Pool
		}
	}
	if want != "" && v.Selected == nil {
		if v.Selected, err = h.Pools.GetPool(r.Context(), want); err != nil {
			h.fail(w, r, op, err)
			return
		}
	}
	if v.Selected != nil {
		days, err := h.Users.Activity(r.Context(), v.Selected.Id, chartDays)
		if err != nil {
			h.fail(w, r, op, err)
			return
		}
		v.Chart = chart(days)
	}
	h.render(w, r, http.StatusOK, templates.AdminPageDashboard, v)
}

func (h *Handler) listPools(w http.ResponseWriter, r *http.Request, op *operator) {
	h.renderPools(w, r, op, "", nil)
}

func (h *Handler) renderPools(w http.ResponseWriter, r *http.Request, op *operator, name string, failed error) {
	rows, next, err := h.poolRows(r, r.URL.Query().Get("after"))
	if err != nil {
		h.fail(w, r, op, err)
		return
	}
	v := templates.AdminPools{AdminBase: h.base(w, r, op, "Pools"), Pools: rows, Next: next, Name: name}
	status := http.StatusOK
	if failed != nil {
		status = h.formFailure(r, &v.AdminBase, failed, field{"PoolName", "name"}, field{"name", "name"})
	}
	h.render(w, r, status, templates.AdminPagePools, v)
}

// createPool creates a pool from the console's defaults: a username or a verified email signs
// in, and emails are verified automatically.
func (h *Handler) createPool(w http.ResponseWriter, r *http.Request, op *operator) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	p, err := h.Pools.CreatePool(r.Context(), &pool.Pool{Name: name, AliasAttributes: []string{"email"},
		AutoVerifiedAttributes: []string{"email"}})
	if err != nil {
		h.renderPools(w, r, op, name, err)
		return
	}
	h.logger().InfoContext(r.Context(), "console: pool created", "operator", op.username, "pool", p.Id)
	h.redirect(w, r, "/admin/pools/"+p.Id, "created")
}

// loadPool loads the pool of the route, rendering the failure when there is none.
func (h *Handler) loadPool(w http.ResponseWriter, r *http.Request, op *operator) *pool.Pool {
	p, err := h.Pools.GetPool(r.Context(), mux.Vars(r)["pool"])
	if err != nil {
		h.fail(w, r, op, err)
		return nil
	}
	return p
}

// poolBase is the base of a pool's page.
func (h *Handler) poolBase(w http.ResponseWriter, r *http.Request, op *operator, p *pool.Pool, tab, title string) templates.AdminBase {
	b := h.base(w, r, op, title)
	b.Pool, b.Tab = p, tab
	return b
}

var recoveryChoices = []templates.Choice{
	{Value: "email,phone", Text: "a verified email first, else a verified phone"},
	{Value: "phone,email", Text: "a verified phone first, else a verified email"},
	{Value: "email", Text: "a verified email only"},
	{Value: "phone", Text: "a verified phone only"},
	{Value: "admin", Text: "nothing: an administrator resets the password"},
}

var recoveryNames = map[string]string{"email": "verified_email", "phone": "verified_phone_number", "admin": "admin_only"}

func recoveryValue(s *pool.AccountRecoverySetting) string {
	if s == nil || len(s.RecoveryMechanisms) == 0 {
		return "email,phone"
	}
	ms := slices.Clone(s.RecoveryMechanisms)
	slices.SortFunc(ms, func(a, b pool.RecoveryOption) int { return a.Priority - b.Priority })
	var parts []string
	for _, m := range ms {
		for k, v := range recoveryNames {
			if v == m.Name {
				parts = append(parts, k)
			}
		}
	}
	return strings.Join(parts, ",")
}

func (h *Handler) poolSettings(w http.ResponseWriter, r *http.Request, op *operator) {
	p := h.loadPool(w, r, op)
	if p == nil {
		return
	}
	h.renderPool(w, r, op, p, nil)
}

// poolFields maps the pool service's messages to the settings page's fields.
var poolFields = []field{{"PasswordPolicy.MinimumLength", "min_length"}, {"PasswordPolicy.TemporaryPasswordValidityDays", "temp_days"},
	{"PasswordPolicy.PasswordHistorySize", "history"}, {"PasswordPolicy.MinimumStrength", "strength"}, {"PoolName", "name"},
	{"AccountRecoverySetting", "recovery"}, {"account recovery", "recovery"}}

func (h *Handler) renderPool(w http.ResponseWriter, r *http.Request, op *operator, p *pool.Pool, failed error) {
	n, err := h.Pools.CountUsers(r.Context(), p.Id)
	if err != nil {
		h.fail(w, r, op, err)
		return
	}
	v := templates.AdminPool{AdminBase: h.poolBase(w, r, op, p, "settings", "Pool settings"), Users: n,
		Recovery: recoveryValue(p.AccountRecoverySetting), RecoveryChoices: recoveryChoices}
	for _, a := range p.SchemaAttributes {
		if strings.HasPrefix(a.Name, "custom:") {
			v.Custom = append(v.Custom, a)
		} else {
			v.Standard = append(v.Standard, a)
		}
	}
	status := http.StatusOK
	if failed != nil {
		status = h.formFailure(r, &v.AdminBase, failed, poolFields...)
	}
	h.render(w, r, status, templates.AdminPagePool, v)
}

func formInt(r *http.Request, name string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue(name)))
	return n
}

func formBool(r *http.Request, name string) bool { return r.PostFormValue(name) == "true" }

// updatePool applies one section of the settings page.
func (h *Handler) updatePool(w http.ResponseWriter, r *http.Request, op *operator) {
	p := h.loadPool(w, r, op)
	if p == nil {
		return
	}
	orig := *p
	var err error
	switch r.PostFormValue("section") {
	case "general":
		p.Name = strings.TrimSpace(r.PostFormValue("name"))
		p.DeletionProtection = pool.DeletionProtectionInactive
		if r.PostFormValue("deletion_protection") == pool.DeletionProtectionActive {
			p.DeletionProtection = pool.DeletionProtectionActive
		}
	case "attributes":
		if len(p.UsernameAttributes) == 0 {
			p.AliasAttributes = r.PostForm["alias"]
		}
		required := r.PostForm["required"]
		p.SchemaAttributes = slices.Clone(p.SchemaAttributes)
		for i, a := range p.SchemaAttributes {
			if pool.IsStandardAttribute(a.Name) && a.Name != "sub" {
				p.SchemaAttributes[i].Required = slices.Contains(required, a.Name)
			}
		}
	case "custom":
		err = h.Pools.AddCustomAttributes(r.Context(), p.Id, []pool.SchemaAttribute{{Name: strings.TrimSpace(r.PostFormValue("custom_name")),
			AttributeDataType: r.PostFormValue("custom_type"), Mutable: formBool(r, "custom_mutable")}})
		if err != nil {
			h.renderPool(w, r, op, &orig, err)
			return
		}
		h.redirect(w, r, "/admin/pools/"+p.Id, "saved")
		return
	case "password":
		pp := &p.Policies.PasswordPolicy
		pp.MinimumLength, pp.TemporaryPasswordValidityDays = formInt(r, "min_length"), formInt(r, "temp_days")
		pp.PasswordHistorySize, pp.MinimumStrength = formInt(r, "history"), formInt(r, "strength")
		pp.RequireUppercase, pp.RequireLowercase = formBool(r, "upper"), formBool(r, "lower")
		pp.RequireNumbers, pp.RequireSymbols = formBool(r, "numbers"), formBool(r, "symbols")
	case "signup":
		p.AdminCreateUserConfig.AllowAdminCreateUserOnly = formBool(r, "admin_only")
		p.AutoVerifiedAttributes = r.PostForm["auto_verify"]
	case "recovery":
		choice := r.PostFormValue("recovery")
		if !slices.ContainsFunc(recoveryChoices, func(c templates.Choice) bool { return c.Value == choice }) {
			h.renderPool(w, r, op, &orig, errInvalid("Choose one of the account recovery options."))
			return
		}
		var ms []pool.RecoveryOption
		for i, k := range strings.Split(choice, ",") {
			ms = append(ms, pool.RecoveryOption{Name: recoveryNames[k], Priority: i + 1})
		}
		p.AccountRecoverySetting = &pool.AccountRecoverySetting{RecoveryMechanisms: ms}
	default:
		h.renderPool(w, r, op, &orig, errInvalid("Unknown settings section."))
		return
	}
	if _, err = h.Pools.UpdatePool(r.Context(), p); err != nil {
		h.renderPool(w, r, op, &orig, err)
		return
	}
	h.logger().InfoContext(r.Context(), "console: pool updated", "operator", op.username, "pool", p.Id, "section", r.PostFormValue("section"))
	h.redirect(w, r, "/admin/pools/"+p.Id, "saved")
}

func (h *Handler) deletePool(w http.ResponseWriter, r *http.Request, op *operator) {
	p := h.loadPool(w, r, op)
	if p == nil {
		return
	}
	if r.PostFormValue("confirm") != p.Id {
		h.renderPool(w, r, op, p, errInvalid("Type the pool's id exactly to delete it."))
		return
	}
	if err := h.Pools.DeletePool(r.Context(), p.Id); err != nil {
		h.renderPool(w, r, op, p, err)
		return
	}
	h.logger().InfoContext(r.Context(), "console: pool deleted", "operator", op.username, "pool", p.Id)
	h.redirect(w, r, "/admin/pools", "deleted")
}

// templateSlots pairs each message type with its template in ts.
func templateSlots(ts message.Templates) []templates.AdminTemplateSlot {
	return []templates.AdminTemplateSlot{
		{Type: message.Verification, Name: "Sign-up verification", Template: ts.Verification},
		{Type: "verification_link", Name: "Sign-up verification by link", Template: ts.VerificationByLink},
		{Type: message.Invitation, Name: "Invitation", Template: ts.Invitation},
		{Type: message.ResetPassword, Name: "Password reset", Template: ts.ResetPassword},
		{Type: message.AttributeVerification, Name: "Attribute verification", Template: ts.AttributeVerification},
		{Type: message.MFA, Name: "MFA code", Template: ts.MFA},
	}
}

func (h *Handler) templatesPage(w http.ResponseWriter, r *http.Request, op *operator) {
	p := h.loadPool(w, r, op)
	if p == nil {
		return
	}
	ts := p.Templates()
	h.render(w, r, http.StatusOK, templates.AdminPageTemplates, templates.AdminTemplates{
		AdminBase: h.poolBase(w, r, op, p, "templates", "Message templates"), EmailOption: ts.EmailOption, Slots: templateSlots(ts)})
}

// saveTemplates saves the templates, or renders a preview of one type with the submitted
// (unsaved) wording: message.Templates.Render, the same code that renders real messages.
func (h *Handler) saveTemplates(w http.ResponseWriter, r *http.Request, op *operator) {
	p := h.loadPool(w, r, op)
	if p == nil {
		return
	}
	ts := message.Templates{EmailOption: message.EmailOption(r.PostFormValue("email_option"))}
	slots := []*message.Template{&ts.Verification, &ts.VerificationByLink, &ts.Invitation, &ts.ResetPassword, &ts.AttributeVerification, &ts.MFA}
	for i, slot := range templateSlots(ts) {
		k := string(slot.Type) + "."
		*slots[i] = message.Template{EmailSubject: r.PostFormValue(k + "emailSubject"), EmailText: r.PostFormValue(k + "emailText"),
			EmailHTML: r.PostFormValue(k + "emailHtml"), SMS: r.PostFormValue(k + "sms")}
	}
	v := templates.AdminTemplates{AdminBase: h.poolBase(w, r, op, p, "templates", "Message templates"), EmailOption: ts.EmailOption, Slots: templateSlots(ts)}
	if typ := message.Type(r.PostFormValue("preview")); typ != "" {
		full := ts.WithDefaults()
		vals := message.Values{Code: "123456", Username: "jane.doe", LinkURL: h.PublicURL + "/" + p.Id + "/confirm?code=123456"}
		if typ == "verification_link" {
			typ, full.EmailOption = message.Verification, message.ConfirmWithLink
		} else if typ == message.Verification {
			full.EmailOption = message.ConfirmWithCode
		}
		email, _, err := full.Render(typ, message.Email, vals)
		if err == nil {
			var sms message.Content
			sms, _, err = full.Render(typ, message.SMS, vals)
			v.PreviewType, v.Preview, v.PreviewSMS = typ, &email, sms.SMS
		}
		status := http.StatusOK
		if err != nil {
			status = h.withAlert(r, &v.AdminBase, err)
		}
		h.render(w, r, status, templates.AdminPageTemplates, v)
		return
	}
	p.MessageTemplates = ts
	if _, err := h.Pools.UpdatePool(r.Context(), p); err != nil {
		h.render(w, r, h.withAlert(r, &v.AdminBase, err), templates.AdminPageTemplates, v)
		return
	}
	h.redirect(w, r, "/admin/pools/"+p.Id+"/templates", "saved")
}

func (h *Handler) keysPage(w http.ResponseWriter, r *http.Request, op *operator) {
	p := h.loadPool(w, r, op)
	if p == nil {
		return
	}
	ks, err := h.Keys.Keys(r.Context(), p.Id)
	if err != nil {
		h.fail(w, r, op, err)
		return
	}
	now := h.now()
	v := templates.AdminKeys{AdminBase: h.poolBase(w, r, op, p, "keys", "Signing keys")}
	for _, k := range ks {
		state := "retired"
		switch {
		case k.Pending(now):
			state = "next"
		case k.Active(now):
			state = "current"
		case k.Published(now):
			state = "retiring (still published)"
		}
		v.Keys = append(v.Keys, templates.AdminKey{Key: k, State: state})
	}
	h.render(w, r, http.StatusOK, templates.AdminPageKeys, v)
}

func (h *Handler) rotateKey(w http.ResponseWriter, r *http.Request, op *operator) {
	p := h.loadPool(w, r, op)
	if p == nil {
		return
	}
	if _, err := h.Keys.Rotate(r.Context(), p.Id, jose.SignatureAlgorithm(p.Algorithm())); err != nil {
		h.fail(w, r, op, err)
		return
	}
	h.logger().InfoContext(r.Context(), "console: signing key rotated", "operator", op.username, "pool", p.Id)
	h.redirect(w, r, "/admin/pools/"+p.Id+"/keys", "rotated")
}
