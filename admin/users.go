package admin

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gorilla/mux"

	"github.com/userpool/userpool/message"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/templates"
	"github.com/userpool/userpool/user"
)

var (
	searchFields = []templates.Choice{{Value: user.FieldUsername, Text: "username"}, {Value: user.FieldEmail, Text: "email"},
		{Value: user.FieldPhoneNumber, Text: "phone number"}, {Value: user.FieldName, Text: "name"},
		{Value: user.FieldGivenName, Text: "given name"}, {Value: user.FieldFamilyName, Text: "family name"}, {Value: user.FieldSub, Text: "sub"}}
	statuses = []string{string(user.StatusConfirmed), string(user.StatusUnconfirmed), string(user.StatusForceChangePassword), string(user.StatusResetRequired)}
)

// quote writes v as a ListUsers filter value.
func quote(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}

// listUsers searches with the ListUsers filter: the text is a prefix of the chosen field; the
// status filter applies when there is no text (a filter names one attribute).
func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request, op *operator) {
	if p := h.loadPool(w, r, op); p != nil {
		h.renderUsers(w, r, op, p, nil)
	}
}

// userFields maps the user service's messages about a new user to the create form's fields
// (the username's before the email's: "Username cannot be of email format").
var userFields = []field{{"assword", "temp"}, {"Username", "username"}, {"phone_number", "phone"}, {"phone number", "phone"},
	{"email", "email"}, {"already exists", "username"}}

// renderUsers renders the search and the create form; failed is a refused create.
func (h *Handler) renderUsers(w http.ResponseWriter, r *http.Request, op *operator, p *pool.Pool, failed error) {
	q := r.URL.Query()
	v := templates.AdminUsers{AdminBase: h.poolBase(w, r, op, p, "users", "Users"), Field: q.Get("field"), Query: strings.TrimSpace(q.Get("q")),
		Status: q.Get("status"), Fields: searchFields, Statuses: statuses}
	if p.Id == h.systemPoolID {
		v.Title = "Operators"
	}
	if v.Field == "" {
		v.Field = user.FieldUsername
	}
	filter := ""
	switch {
	case v.Query != "":
		if !slices.ContainsFunc(searchFields, func(c templates.Choice) bool { return c.Value == v.Field }) {
			v.Field = user.FieldUsername
		}
		filter = v.Field + " ^= " + quote(v.Query)
	case v.Status != "":
		filter = user.FieldUserStatus + " = " + quote(v.Status)
	}
	users, next, err := h.Users.List(r.Context(), p.Id, filter, pool.Page{After: q.Get("after"), Limit: 50})
	status := http.StatusOK
	switch {
	case err != nil:
		status = h.withAlert(r, &v.AdminBase, err)
	case failed != nil:
		status = h.formFailure(r, &v.AdminBase, failed, userFields...)
	}
	v.Users = users
	if next != "" {
		nq := url.Values{"field": {v.Field}, "q": {v.Query}, "status": {v.Status}, "after": {next}}
		v.NextURL = h.basePath() + "/admin/pools/" + p.Id + "/users?" + nq.Encode()
	}
	h.render(w, r, status, templates.AdminPageUsers, v)
}

// createUser creates a user with a temporary password, sending the invitation unless asked not to.
func (h *Handler) createUser(w http.ResponseWriter, r *http.Request, op *operator) {
	p := h.loadPool(w, r, op)
	if p == nil {
		return
	}
	in := user.AdminCreateUserInput{Username: strings.TrimSpace(r.PostFormValue("username")), TemporaryPassword: r.PostFormValue("password")}
	for _, a := range []string{"email", "phone_number"} {
		if v := strings.TrimSpace(r.PostFormValue(a)); v != "" {
			in.Attributes = append(in.Attributes, user.Attribute{Name: a, Value: v})
			if formBool(r, "verified") {
				in.Attributes = append(in.Attributes, user.Attribute{Name: a + "_verified", Value: "true"})
			}
		}
	}
	if !formBool(r, "invite") {
		in.MessageAction = "SUPPRESS"
	}
	u, _, err := h.Users.AdminCreateUser(r.Context(), p.Id, in)
	if err != nil {
		h.renderUsers(w, r, op, p, err)
		return
	}
	h.logger().InfoContext(r.Context(), "console: user created", "operator", op.username, "pool", p.Id, "sub", u.Sub)
	h.redirect(w, r, "/admin/pools/"+p.Id+"/users/"+u.Sub, "created")
}

// loadUser loads the route's pool and user (by sub).
func (h *Handler) loadUser(w http.ResponseWriter, r *http.Request, op *operator) (*pool.Pool, *user.User) {
	p := h.loadPool(w, r, op)
	if p == nil {
		return nil, nil
	}
	u, err := h.Users.Get(r.Context(), p.Id, mux.Vars(r)["sub"])
	if err == nil && u.Sub != mux.Vars(r)["sub"] {
		err = errInvalid("Users are addressed by their sub here.")
	}
	if err != nil {
		h.fail(w, r, op, err)
		return nil, nil
	}
	return p, u
}

func (h *Handler) userPage(w http.ResponseWriter, r *http.Request, op *operator) {
	if p, u := h.loadUser(w, r, op); u != nil {
		h.renderUser(w, r, op, p, u, nil)
	}
}

func (h *Handler) renderUser(w http.ResponseWriter, r *http.Request, op *operator, p *pool.Pool, u *user.User, failed error) {
	h.renderUserWith(w, r, op, p, u, func(v *templates.AdminUser) int {
		if failed == nil {
			return http.StatusOK
		}
		return h.withAlert(r, &v.AdminBase, failed)
	})
}

// renderUserWith renders the user's page; edit sets the page's alert or field errors and
// returns the status.
func (h *Handler) renderUserWith(w http.ResponseWriter, r *http.Request, op *operator, p *pool.Pool, u *user.User, edit func(*templates.AdminUser) int) {
	v := templates.AdminUser{AdminBase: h.poolBase(w, r, op, p, "users", "User "+u.Username), User: u}
	for _, a := range p.SchemaAttributes {
		if a.Name == "sub" {
			continue
		}
		v.Attributes = append(v.Attributes, templates.AdminUserAttribute{Name: a.Name, Value: u.Attributes[a.Name], Mutable: a.Mutable, Required: a.Required})
	}
	groups, _, err := h.Users.ListGroupsForUser(r.Context(), p.Id, u.Sub, pool.Page{Limit: 60})
	if err != nil {
		h.fail(w, r, op, err)
		return
	}
	all, _, err := h.Pools.ListGroups(r.Context(), p.Id, pool.Page{Limit: 60})
	if err != nil {
		h.fail(w, r, op, err)
		return
	}
	v.Groups = groups
	for _, g := range all {
		if !slices.ContainsFunc(groups, func(x *pool.Group) bool { return x.GroupName == g.GroupName }) {
			v.AllGroups = append(v.AllGroups, g)
		}
	}
	if err := h.userMFA(r.Context(), &v, p, u); err != nil {
		h.fail(w, r, op, err)
		return
	}
	h.render(w, r, edit(&v), templates.AdminPageUser, v)
}

func (h *Handler) userURL(p *pool.Pool, u *user.User) string {
	return "/admin/pools/" + p.Id + "/users/" + u.Sub
}

// updateUserAttributes writes the attributes the form changed (an emptied one is deleted).
func (h *Handler) updateUserAttributes(w http.ResponseWriter, r *http.Request, op *operator) {
	p, u := h.loadUser(w, r, op)
	if u == nil {
		return
	}
	var set []user.Attribute
	var del []string
	for _, a := range p.SchemaAttributes {
		vals, ok := r.PostForm["attr."+a.Name]
		if !ok || !a.Mutable || vals[0] == u.Attributes[a.Name] {
			continue
		}
		if vals[0] == "" {
			del = append(del, a.Name)
		} else {
			set = append(set, user.Attribute{Name: a.Name, Value: vals[0]})
		}
	}
	var err error
	if len(set) > 0 {
		err = h.Users.AdminUpdateAttributes(r.Context(), p.Id, u.Sub, set)
	}
	if err == nil && len(del) > 0 {
		err = h.Users.AdminDeleteAttributes(r.Context(), p.Id, u.Sub, del)
	}
	if err != nil {
		h.renderUser(w, r, op, p, u, err)
		return
	}
	h.redirect(w, r, h.userURL(p, u), "saved")
}

// userAction enables, disables, confirms, resets the password (AdminResetUserPassword) or signs
// the user out everywhere.
func (h *Handler) userAction(w http.ResponseWriter, r *http.Request, op *operator) {
	p, u := h.loadUser(w, r, op)
	if u == nil {
		return
	}
	ctx := r.Context()
	action := r.PostFormValue("action")
	var err error
	done := ""
	switch action {
	case "enable", "disable":
		if action == "disable" && p.Id == h.systemPoolID && u.Sub == op.sub {
			err = errInvalid("You cannot disable yourself.")
			break
		}
		err, done = h.Users.SetEnabled(ctx, p.Id, u.Sub, action == "enable"), action+"d"
	case "confirm":
		err, done = h.Users.AdminConfirmSignUp(ctx, p.Id, u.Sub), "confirmed"
	case "reset":
		_, err = h.Users.AdminResetPassword(ctx, p.Id, u.Sub)
		done = "reset"
	case "signout":
		err, done = h.Tokens.RevokeUserTokens(ctx, p.Id, u.Sub, h.now()), "signedout"
		if err == nil && p.Id == h.systemPoolID {
			err = h.Sessions.DeleteOperatorSessions(ctx, p.Id, u.Sub)
		}
	default:
		err = errInvalid("Unknown action.")
	}
	if err != nil {
		h.renderUser(w, r, op, p, u, err)
		return
	}
	h.logger().InfoContext(ctx, "console: user "+action, "operator", op.username, "pool", p.Id, "sub", u.Sub)
	h.redirect(w, r, h.userURL(p, u), done)
}

func (h *Handler) setUserPassword(w http.ResponseWriter, r *http.Request, op *operator) {
	p, u := h.loadUser(w, r, op)
	if u == nil {
		return
	}
	if err := h.Users.AdminSetPassword(r.Context(), p.Id, u.Sub, r.PostFormValue("password"), formBool(r, "permanent")); err != nil {
		h.renderUserWith(w, r, op, p, u, func(v *templates.AdminUser) int {
			return h.formFailure(r, &v.AdminBase, err, field{"assword", "password"})
		})
		return
	}
	h.logger().InfoContext(r.Context(), "console: password set", "operator", op.username, "pool", p.Id, "sub", u.Sub)
	h.redirect(w, r, h.userURL(p, u), "password")
}

func (h *Handler) userGroups(w http.ResponseWriter, r *http.Request, op *operator) {
	p, u := h.loadUser(w, r, op)
	if u == nil {
		return
	}
	group := r.PostFormValue("group")
	var err error
	done := "added"
	switch r.PostFormValue("op") {
	case "add":
		err = h.Users.AddToGroup(r.Context(), p.Id, u.Sub, group)
	case "remove":
		err, done = h.Users.RemoveFromGroup(r.Context(), p.Id, u.Sub, group), "removed"
	default:
		err = errInvalid("Unknown action.")
	}
	if err != nil {
		h.renderUser(w, r, op, p, u, err)
		return
	}
	h.redirect(w, r, h.userURL(p, u), done)
}

func (h *Handler) deleteUser(w http.ResponseWriter, r *http.Request, op *operator) {
	p, u := h.loadUser(w, r, op)
	if u == nil {
		return
	}
	var err error
	switch {
	case r.PostFormValue("confirm") != u.Username:
		err = errInvalid("Type the username exactly to delete the user.")
	case p.Id == h.systemPoolID && u.Sub == op.sub:
		err = errInvalid("You cannot delete yourself.")
	default:
		err = h.Users.AdminDeleteUser(r.Context(), p.Id, u.Sub)
	}
	if err != nil {
		h.renderUser(w, r, op, p, u, err)
		return
	}
	if p.Id == h.systemPoolID {
		_ = h.Sessions.DeleteOperatorSessions(r.Context(), p.Id, u.Sub)
	}
	h.logger().InfoContext(r.Context(), "console: user deleted", "operator", op.username, "pool", p.Id, "sub", u.Sub)
	h.redirect(w, r, "/admin/pools/"+p.Id+"/users", "deleted")
}

func (h *Handler) messagesPage(w http.ResponseWriter, r *http.Request, op *operator) {
	p := h.loadPool(w, r, op)
	if p == nil {
		return
	}
	q := r.URL.Query()
	v := templates.AdminMessages{AdminBase: h.poolBase(w, r, op, p, "messages", "Message log"), Status: q.Get("status")}
	if !slices.Contains([]string{"", string(message.Pending), string(message.Sent), string(message.Failed)}, v.Status) {
		v.Status = ""
	}
	msgs, next, err := h.Messages.ListMessages(r.Context(), message.ListQuery{PoolID: p.Id, Status: message.Status(v.Status), Limit: 50, Cursor: q.Get("cursor")})
	status := http.StatusOK
	if err != nil {
		status = h.withAlert(r, &v.AdminBase, err)
	}
	v.Messages, v.Next = msgs, next
	h.render(w, r, status, templates.AdminPageMessages, v)
}

// retryMessage sends a failed message again: pending, its failed tries cleared, the worker
// woken. Only a message without secrets can be retried (message.Message.Retryable).
func (h *Handler) retryMessage(w http.ResponseWriter, r *http.Request, op *operator) {
	p := h.loadPool(w, r, op)
	if p == nil {
		return
	}
	id := mux.Vars(r)["message"]
	m, err := h.Messages.GetMessage(r.Context(), p.Id, id)
	switch {
	case err != nil:
	case r.PostFormValue("confirm") != "yes":
		err = errInvalid("Tick the box to confirm that the message is sent again.")
	case !m.Retryable():
		err = errInvalid("Only a failed message without a code or temporary password can be sent again: those were removed when the delivery was given up. Send the user a new code instead.")
	default:
		err = h.Messages.RetryMessage(r.Context(), p.Id, id, h.now())
	}
	if err != nil {
		h.fail(w, r, op, err)
		return
	}
	if h.Outbox != nil {
		h.Outbox.Wake()
	}
	h.redirect(w, r, "/admin/pools/"+p.Id+"/messages", "retried")
}
