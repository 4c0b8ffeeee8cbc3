package admin

import (
	"context"
	"net/http"
	"regexp"
	"time"

	"github.com/gorilla/mux"

	"github.com/userpool/userpool/audit"
	"github.com/userpool/userpool/templates"
)

// auditNote carries what a handler learnt about its outcome (the domain error's code) to
// the recording wrapper; describe fills it.
type auditNote struct{ code string }

type auditKey struct{}

// statusWriter remembers the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// discriminator is a form field that says which of a form's actions was taken; only short
// plain values are recorded, never free text.
var (
	discriminators = []string{"action", "section", "op"}
	plainValue     = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,40}$`)
)

// audited runs fn, an operator's POST named action, and records it: the operator, the
// action (with the form's discriminator), the pool and the other ids from the path and the
// form's username or name, and the outcome. Nothing else of the form is recorded, so
// passwords, secrets and codes never reach the trail. A template preview changes nothing and
// is not recorded.
func (h *Handler) audited(action string, fn operatorFunc) operatorFunc {
	return func(w http.ResponseWriter, r *http.Request, op *operator) {
		if h.Audit == nil || r.PostForm.Has("preview") {
			fn(w, r, op)
			return
		}
		note := &auditNote{}
		sw := &statusWriter{ResponseWriter: w}
		fn(sw, r.WithContext(context.WithValue(r.Context(), auditKey{}, note)), op)
		for _, f := range discriminators {
			if v := r.PostForm.Get(f); plainValue.MatchString(v) {
				action += " " + v
				break
			}
		}
		v := mux.Vars(r)
		outcome := audit.OK
		switch {
		case note.code != "":
			outcome = note.code
		case sw.status >= http.StatusBadRequest:
			outcome = "HTTP " + http.StatusText(sw.status)
		}
		h.Audit.Record(r.Context(), audit.Record{ActorKind: audit.Operator, Actor: op.username, Action: action, PoolID: v["pool"],
			Target: audit.Targets("ClientId", v["app"], "Sub", v["sub"], "GroupName", v["group"], "Trigger", v["trigger"],
				"MessageId", v["message"], "Username", plain(r.PostForm.Get("username")), "Name", plain(r.PostForm.Get("name"))),
			Outcome: outcome})
	}
}

// plain keeps a short single-line value (a username, a name) for the trail.
func plain(v string) string {
	if len(v) > 128 {
		v = v[:128]
	}
	for _, c := range v {
		if c < ' ' {
			return ""
		}
	}
	return v
}

// noteOutcome tells the recording wrapper the domain error code of a refused change.
func noteOutcome(r *http.Request, code string) {
	if n, ok := r.Context().Value(auditKey{}).(*auditNote); ok && n.code == "" {
		n.code = code
	}
}

// auditPage searches the trail: by pool, actor, action and time range, newest first, paged.
func (h *Handler) auditPage(w http.ResponseWriter, r *http.Request, op *operator) {
	q := r.URL.Query()
	v := templates.AdminAudit{AdminBase: h.base(w, r, op, "Audit log"), PoolID: q.Get("pool"), Actor: q.Get("actor"),
		Action: q.Get("action"), From: q.Get("from"), To: q.Get("to")}
	query := audit.Query{PoolID: v.PoolID, Actor: v.Actor, Action: v.Action, Cursor: q.Get("cursor"), Limit: 50}
	status := http.StatusOK
	var next string
	var err error
	if query.From, err = parseDay(v.From); err != nil {
		status = fieldError(&v.AdminBase, "from", "Enter a date as YYYY-MM-DD.")
	} else if query.To, err = parseDay(v.To); err != nil {
		status = fieldError(&v.AdminBase, "to", "Enter a date as YYYY-MM-DD.")
	} else {
		if !query.To.IsZero() {
			query.To = query.To.AddDate(0, 0, 1) // the To day is included
		}
		v.Records, next, err = h.Audit.Search(r.Context(), query)
		if err != nil {
			status = h.formFailure(r, &v.AdminBase, err, field{"From", "from"}, field{"pagination", "cursor"})
		}
	}
	if next != "" {
		nq := r.URL.Query()
		nq.Set("cursor", next)
		v.NextURL = h.basePath() + "/admin/audit?" + nq.Encode()
	}
	h.render(w, r, status, templates.AdminPageAudit, v)
}

// parseDay reads a YYYY-MM-DD date as the start of that day in UTC; "" is no bound.
func parseDay(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.DateOnly, s)
}
