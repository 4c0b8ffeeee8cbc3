package admin

import (
	"net/http"
	"path"
	"sort"

	"github.com/userpool/userpool/templates"
)

// confirmations are the questions asked before a destructive one-click action (a form's
// button, named by the route's action and the form's discriminator). Deletions, the app's
// token revocation, the MFA reset and the message retry confirm in their own forms instead
// (a typed name or a ticked box).
var confirmations = map[string]string{
	"user disable":          "Disable this user? They cannot sign in until enabled again, and their tokens stop working.",
	"user reset":            "Reset this user's password? It stops working at once, and a code to choose a new one goes to the user.",
	"user signout":          "Sign this user out everywhere? Every refresh token of theirs stops working.",
	"app.secret regenerate": "Regenerate the app's secret? The old one stops working at once: the app must be given the new one.",
	"trigger rotate":        "Set a new signing secret for this trigger? The previous one keeps signing for 24 hours.",
	"user.groups remove":    "Remove the user from this group?",
	"group.members remove":  "Remove this member from the group?",
}

// confirmed asks the question of the action before running fn, once, on a page of its own
// that repeats the form with confirmed=yes (no JavaScript needed).
func (h *Handler) confirmed(action string, fn operatorFunc) operatorFunc {
	return func(w http.ResponseWriter, r *http.Request, op *operator) {
		name := action
		for _, f := range discriminators {
			if v := r.PostForm.Get(f); v != "" {
				name += " " + v
				break
			}
		}
		question, ok := confirmations[name]
		if !ok || r.PostForm.Get("confirmed") == "yes" {
			fn(w, r, op)
			return
		}
		v := templates.AdminConfirm{AdminBase: h.base(w, r, op, "Are you sure?"), Question: question, Action: r.URL.Path,
			Back: path.Dir(r.URL.Path)}
		for k, vals := range r.PostForm {
			if k == "csrf_token" || k == "confirmed" {
				continue
			}
			for _, val := range vals {
				v.Fields = append(v.Fields, templates.AdminHidden{Name: k, Value: val})
			}
		}
		sort.Slice(v.Fields, func(i, j int) bool { return v.Fields[i].Name < v.Fields[j].Name })
		h.render(w, r, http.StatusOK, templates.AdminPageConfirm, v)
	}
}
