package admin

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/templates"
)

func (h *Handler) listGroups(w http.ResponseWriter, r *http.Request, op *operator) {
	p := h.loadPool(w, r, op)
	if p == nil {
		return
	}
	h.renderGroups(w, r, op, p, nil)
}

func (h *Handler) renderGroups(w http.ResponseWriter, r *http.Request, op *operator, p *pool.Pool, failed error) {
	groups, next, err := h.Pools.ListGroups(r.Context(), p.Id, pool.Page{After: r.URL.Query().Get("after"), Limit: 60})
	if err != nil {
		h.fail(w, r, op, err)
		return
	}
	v := templates.AdminGroups{AdminBase: h.poolBase(w, r, op, p, "groups", "Groups"), Groups: groups, Next: next}
	status := http.StatusOK
	if failed != nil {
		status = h.formFailure(r, &v.AdminBase, failed, field{"Precedence", "precedence"}, field{"Description", "description"},
			field{"GroupName", "name"}, field{"roup", "name"})
	}
	h.render(w, r, status, templates.AdminPageGroups, v)
}

// precedence reads the optional precedence field.
func precedence(r *http.Request) (*int, error) {
	s := strings.TrimSpace(r.PostFormValue("precedence"))
	if s == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return nil, errInvalid("Precedence must be a whole number, 0 or more.")
	}
	return &n, nil
}

func (h *Handler) createGroup(w http.ResponseWriter, r *http.Request, op *operator) {
	p := h.loadPool(w, r, op)
	if p == nil {
		return
	}
	prec, err := precedence(r)
	if err == nil {
		_, err = h.Pools.CreateGroup(r.Context(), &pool.Group{UserPoolId: p.Id, GroupName: strings.TrimSpace(r.PostFormValue("name")),
			Description: r.PostFormValue("description"), Precedence: prec})
	}
	if err != nil {
		h.renderGroups(w, r, op, p, err)
		return
	}
	h.redirect(w, r, "/admin/pools/"+p.Id+"/groups", "created")
}

func (h *Handler) loadGroup(w http.ResponseWriter, r *http.Request, op *operator) (*pool.Pool, *pool.Group) {
	p := h.loadPool(w, r, op)
	if p == nil {
		return nil, nil
	}
	g, err := h.Pools.GetGroup(r.Context(), p.Id, mux.Vars(r)["group"])
	if err != nil {
		h.fail(w, r, op, err)
		return nil, nil
	}
	return p, g
}

func (h *Handler) groupPage(w http.ResponseWriter, r *http.Request, op *operator) {
	if p, g := h.loadGroup(w, r, op); g != nil {
		h.renderGroup(w, r, op, p, g, nil)
	}
}

func (h *Handler) renderGroup(w http.ResponseWriter, r *http.Request, op *operator, p *pool.Pool, g *pool.Group, failed error) {
	members, next, err := h.Users.ListUsersInGroup(r.Context(), p.Id, g.GroupName, pool.Page{After: r.URL.Query().Get("after"), Limit: 60})
	if err != nil {
		h.fail(w, r, op, err)
		return
	}
	v := templates.AdminGroup{AdminBase: h.poolBase(w, r, op, p, "groups", "Group "+g.GroupName), Group: g, Members: members, Next: next}
	status := http.StatusOK
	if failed != nil {
		status = h.withAlert(r, &v.AdminBase, failed)
	}
	h.render(w, r, status, templates.AdminPageGroup, v)
}

func (h *Handler) groupURL(p *pool.Pool, g *pool.Group) string {
	return "/admin/pools/" + p.Id + "/groups/" + g.GroupName
}

func (h *Handler) updateGroup(w http.ResponseWriter, r *http.Request, op *operator) {
	p, g := h.loadGroup(w, r, op)
	if g == nil {
		return
	}
	in := *g
	in.Description = r.PostFormValue("description")
	var err error
	if in.Precedence, err = precedence(r); err == nil {
		_, err = h.Pools.UpdateGroup(r.Context(), &in)
	}
	if err != nil {
		h.renderGroup(w, r, op, p, g, err)
		return
	}
	h.redirect(w, r, h.groupURL(p, g), "saved")
}

func (h *Handler) groupMembers(w http.ResponseWriter, r *http.Request, op *operator) {
	p, g := h.loadGroup(w, r, op)
	if g == nil {
		return
	}
	username := strings.TrimSpace(r.PostFormValue("username"))
	var err error
	done := "added"
	switch r.PostFormValue("op") {
	case "add":
		err = h.Users.AddToGroup(r.Context(), p.Id, username, g.GroupName)
	case "remove":
		err, done = h.Users.RemoveFromGroup(r.Context(), p.Id, username, g.GroupName), "removed"
	default:
		err = errInvalid("Unknown action.")
	}
	if err != nil {
		h.renderGroup(w, r, op, p, g, err)
		return
	}
	h.redirect(w, r, h.groupURL(p, g), done)
}

func (h *Handler) deleteGroup(w http.ResponseWriter, r *http.Request, op *operator) {
	p, g := h.loadGroup(w, r, op)
	if g == nil {
		return
	}
	if r.PostFormValue("confirm") != g.GroupName {
		h.renderGroup(w, r, op, p, g, errInvalid("Type the group's name exactly to delete it."))
		return
	}
	if err := h.Pools.DeleteGroup(r.Context(), p.Id, g.GroupName); err != nil {
		h.renderGroup(w, r, op, p, g, err)
		return
	}
	h.redirect(w, r, "/admin/pools/"+p.Id+"/groups", "deleted")
}
