package admin

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/templates"
)

var (
	oauthFlows = []string{pool.FlowCode, pool.FlowImplicit, pool.FlowClientCredentials}
	authFlows  = []string{"ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH",
		"ALLOW_CUSTOM_AUTH", "ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
	units = []string{pool.UnitMinutes, pool.UnitHours, pool.UnitDays}
)

func errInvalid(msg string) error { return errs.New(errs.InvalidParameter, "%s", msg) }

func (h *Handler) listApps(w http.ResponseWriter, r *http.Request, op *operator) {
	p := h.loadPool(w, r, op)
	if p == nil {
		return
	}
	apps, next, err := h.Pools.ListClients(r.Context(), p.Id, pool.Page{After: r.URL.Query().Get("after"), Limit: 60})
	if err != nil {
		h.fail(w, r, op, err)
		return
	}
	h.render(w, r, http.StatusOK, templates.AdminPageApps, templates.AdminApps{
		AdminBase: h.poolBase(w, r, op, p, "apps", "Apps"), Apps: apps, Next: next})
}

// appFields maps the pool service's messages about an app to the app form's fields.
var appFields = []field{{"DefaultRedirectURI", "callbacks"}, {"CallbackURLs", "callbacks"}, {"LogoutURLs", "logouts"},
	{"client_credentials", "flows"}, {"AllowedOAuthFlows", "flows"}, {"AllowedOAuthScopes", "scopes"}, {"scope", "scopes"},
	{"ExplicitAuthFlows", "auth_flows"}, {"AccessToken", "access"}, {"IdToken", "id"}, {"RefreshToken", "refresh"},
	{"ReadAttributes", "read"}, {"WriteAttributes", "write"}, {"ClientName", "name"}}

// renderApp renders the app's page, or the new-app form (c nil) with draft, what a refused
// create sent.
func (h *Handler) renderApp(w http.ResponseWriter, r *http.Request, op *operator, p *pool.Pool, c *pool.Client, showSecret bool, failed error, draft ...*pool.Client) {
	title := "New app"
	if c != nil {
		title = "App " + c.ClientName
	}
	v := templates.AdminApp{AdminBase: h.poolBase(w, r, op, p, "apps", title), Client: c, ShowSecret: showSecret,
		AuthFlows: authFlows, OAuthFlows: oauthFlows, Units: units}
	if len(draft) > 0 {
		v.Draft = draft[0]
	}
	status := http.StatusOK
	if failed != nil {
		status = h.formFailure(r, &v.AdminBase, failed, appFields...)
	}
	h.render(w, r, status, templates.AdminPageApp, v)
}

func (h *Handler) newApp(w http.ResponseWriter, r *http.Request, op *operator) {
	if p := h.loadPool(w, r, op); p != nil {
		h.renderApp(w, r, op, p, nil, false, nil)
	}
}

// loadApp loads the route's pool and app.
func (h *Handler) loadApp(w http.ResponseWriter, r *http.Request, op *operator) (*pool.Pool, *pool.Client) {
	p := h.loadPool(w, r, op)
	if p == nil {
		return nil, nil
	}
	c, err := h.Pools.GetClient(r.Context(), p.Id, mux.Vars(r)["app"])
	if err != nil {
		h.fail(w, r, op, err)
		return nil, nil
	}
	return p, c
}

func (h *Handler) appPage(w http.ResponseWriter, r *http.Request, op *operator) {
	if p, c := h.loadApp(w, r, op); c != nil {
		h.renderApp(w, r, op, p, c, false, nil)
	}
}

// fields returns the whitespace-separated words (or lines) of a form value.
func fields(r *http.Request, name string) []string { return strings.Fields(r.PostFormValue(name)) }

// appForm fills c's editable settings from the form.
func appForm(r *http.Request, c *pool.Client) {
	c.ClientName = strings.TrimSpace(r.PostFormValue("name"))
	c.CallbackURLs, c.LogoutURLs = fields(r, "callbacks"), fields(r, "logouts")
	c.AllowedOAuthFlows, c.AllowedOAuthScopes = r.PostForm["flows"], fields(r, "scopes")
	c.AllowedOAuthFlowsUserPoolClient = len(c.AllowedOAuthFlows) > 0
	c.ExplicitAuthFlows = r.PostForm["auth_flows"]
	c.AccessTokenValidity, c.IdTokenValidity, c.RefreshTokenValidity = formInt(r, "access"), formInt(r, "id"), formInt(r, "refresh")
	c.TokenValidityUnits = pool.TokenValidityUnits{AccessToken: r.PostFormValue("access_unit"), IdToken: r.PostFormValue("id_unit"),
		RefreshToken: r.PostFormValue("refresh_unit")}
	c.ReadAttributes, c.WriteAttributes = fields(r, "read"), fields(r, "write")
}

func (h *Handler) createApp(w http.ResponseWriter, r *http.Request, op *operator) {
	p := h.loadPool(w, r, op)
	if p == nil {
		return
	}
	in := pool.ClientDefaults()
	in.UserPoolId = p.Id
	appForm(r, &in)
	c, err := h.Pools.CreateClient(r.Context(), &in, formBool(r, "secret"))
	if err != nil {
		h.renderApp(w, r, op, p, nil, false, err, &in)
		return
	}
	h.logger().InfoContext(r.Context(), "console: app created", "operator", op.username, "pool", p.Id, "client", c.ClientId)
	if c.ClientSecret != "" {
		v := c
		h.renderAppNotice(w, r, op, p, v, "Created. Copy the secret now or show it again later.")
		return
	}
	h.redirect(w, r, "/admin/pools/"+p.Id+"/apps/"+c.ClientId, "created")
}

// renderAppNotice shows the app with its secret and a notice.
func (h *Handler) renderAppNotice(w http.ResponseWriter, r *http.Request, op *operator, p *pool.Pool, c *pool.Client, notice string) {
	v := templates.AdminApp{AdminBase: h.poolBase(w, r, op, p, "apps", "App "+c.ClientName), Client: c, ShowSecret: true,
		AuthFlows: authFlows, OAuthFlows: oauthFlows, Units: units}
	v.Notice = notice
	h.render(w, r, http.StatusOK, templates.AdminPageApp, v)
}

func (h *Handler) updateApp(w http.ResponseWriter, r *http.Request, op *operator) {
	p, c := h.loadApp(w, r, op)
	if c == nil {
		return
	}
	in := *c
	appForm(r, &in)
	if _, err := h.Pools.UpdateClient(r.Context(), &in); err != nil {
		h.renderApp(w, r, op, p, c, false, err)
		return
	}
	h.logger().InfoContext(r.Context(), "console: app updated", "operator", op.username, "pool", p.Id, "client", c.ClientId)
	h.redirect(w, r, "/admin/pools/"+p.Id+"/apps/"+c.ClientId, "saved")
}

// appSecret shows the secret (a POST, so that it never sits in a URL or the history) or
// replaces it.
func (h *Handler) appSecret(w http.ResponseWriter, r *http.Request, op *operator) {
	p, c := h.loadApp(w, r, op)
	if c == nil {
		return
	}
	switch r.PostFormValue("action") {
	case "show":
		if c.ClientSecret == "" {
			h.renderApp(w, r, op, p, c, false, errInvalid("This app is public: it has no secret."))
			return
		}
		h.renderAppNotice(w, r, op, p, c, "")
	case "regenerate":
		nc, err := h.Pools.RegenerateClientSecret(r.Context(), p.Id, c.ClientId)
		if err != nil {
			h.renderApp(w, r, op, p, c, false, err)
			return
		}
		h.logger().InfoContext(r.Context(), "console: app secret regenerated", "operator", op.username, "pool", p.Id, "client", c.ClientId)
		h.renderAppNotice(w, r, op, p, nc, "The secret is replaced; the old one no longer works.")
	default:
		h.renderApp(w, r, op, p, c, false, errInvalid("Unknown action."))
	}
}

func (h *Handler) revokeApp(w http.ResponseWriter, r *http.Request, op *operator) {
	p, c := h.loadApp(w, r, op)
	if c == nil {
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		h.renderApp(w, r, op, p, c, false, errInvalid("Tick the box to confirm that every user of the app is signed out."))
		return
	}
	n, err := h.Tokens.RevokeClientTokens(r.Context(), p.Id, c.ClientId, h.now())
	if err != nil {
		h.fail(w, r, op, err)
		return
	}
	h.logger().InfoContext(r.Context(), "console: app tokens revoked", "operator", op.username, "pool", p.Id, "client", c.ClientId, "families", n)
	h.redirect(w, r, "/admin/pools/"+p.Id+"/apps/"+c.ClientId, "revoked")
}

func (h *Handler) deleteApp(w http.ResponseWriter, r *http.Request, op *operator) {
	p, c := h.loadApp(w, r, op)
	if c == nil {
		return
	}
	if r.PostFormValue("confirm") != c.ClientName {
		h.renderApp(w, r, op, p, c, false, errInvalid("Type the app's name exactly to delete it."))
		return
	}
	if p.Id == h.systemPoolID && c.ClientId == h.clientID {
		h.renderApp(w, r, op, p, c, false, errInvalid("This app is the console itself; it cannot be deleted here."))
		return
	}
	if err := h.Pools.DeleteClient(r.Context(), p.Id, c.ClientId); err != nil {
		h.renderApp(w, r, op, p, c, false, err)
		return
	}
	h.logger().InfoContext(r.Context(), "console: app deleted", "operator", op.username, "pool", p.Id, "client", c.ClientId)
	h.redirect(w, r, "/admin/pools/"+p.Id+"/apps", "deleted")
}
