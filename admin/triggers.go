package admin

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/gorilla/mux"

	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/templates"
	"github.com/userpool/userpool/trigger"
)

// Triggers sets trigger secrets, sends test events and reads the invocation log
// (*trigger.Service is one).
type Triggers interface {
	// UpdatePool saves a pool and its triggers' secrets in one transaction.
	UpdatePool(ctx context.Context, in *pool.Pool, set []trigger.SecretInput) (*pool.Pool, []trigger.SecretInput, error)
	ConfigureSecrets(ctx context.Context, p *pool.Pool, set []trigger.SecretInput) ([]trigger.SecretInput, error)
	Test(ctx context.Context, poolID, name string) (*trigger.Invocation, error)
	Invocations(ctx context.Context, poolID string, limit int) ([]*trigger.Invocation, error)
}

// TriggerSecrets tells whether a trigger has a secret (the trigger store); the console shows
// only that, never the secret.
type TriggerSecrets interface {
	TriggerSecrets(ctx context.Context, poolID, trigger string) (*trigger.Secrets, error)
}

var triggerDescriptions = map[string]string{
	pool.TriggerPreSignUp:          "Before a sign-up: may refuse it, or confirm and verify automatically.",
	pool.TriggerCustomMessage:      "Before a code or invitation is sent: may rewrite the message.",
	pool.TriggerPostConfirmation:   "After a user is confirmed (told, not asked).",
	pool.TriggerPreAuthentication:  "Before a sign-in is accepted: may refuse it.",
	pool.TriggerPostAuthentication: "After a sign-in (told, not asked).",
	pool.TriggerPreTokenGeneration: "Before tokens are issued: may add, change or remove claims and groups (event version 2).",
	pool.TriggerUserMigration:      "When an unknown user signs in or resets a password: may bring the user over from another system.",
}

// triggerFields maps the pool service's messages to the URL fields.
var triggerFields = func() []field {
	out := []field{{"PreTokenGeneration", "url-" + pool.TriggerPreTokenGeneration}}
	for _, name := range pool.Triggers {
		out = append(out, field{"LambdaConfig." + name, "url-" + name})
	}
	return out
}()

// triggersView is the page for p, with the URLs given (the pool's, or the refused form's).
func (h *Handler) triggersView(w http.ResponseWriter, r *http.Request, op *operator, p *pool.Pool, urls map[string]string) (templates.AdminTriggers, error) {
	ctx := r.Context()
	v := templates.AdminTriggers{AdminBase: h.poolBase(w, r, op, p, "triggers", "Triggers")}
	for _, name := range pool.Triggers {
		t := templates.AdminTrigger{Name: name, Description: triggerDescriptions[name], URL: p.TriggerURL(name)}
		if urls != nil {
			t.URL = urls[name]
		}
		if h.TriggerSecrets != nil && p.TriggerURL(name) != "" {
			s, err := h.TriggerSecrets.TriggerSecrets(ctx, p.Id, name)
			if err != nil {
				return v, err
			}
			if s != nil {
				t.HasSecret = s.Current != ""
				if s.Previous != "" && h.now().Before(s.PreviousUntil) {
					until := s.PreviousUntil
					t.PreviousUntil = &until
				}
			}
		}
		v.Triggers = append(v.Triggers, t)
	}
	invs, err := h.Triggers.Invocations(ctx, p.Id, 50)
	v.Invocations = invs
	return v, err
}

func (h *Handler) renderTriggers(w http.ResponseWriter, r *http.Request, op *operator, p *pool.Pool, status int, edit func(*templates.AdminTriggers) int) {
	var urls map[string]string
	if status != http.StatusOK && r.Method == http.MethodPost && r.PostForm != nil {
		urls = formURLs(r)
	}
	v, err := h.triggersView(w, r, op, p, urls)
	if err != nil {
		h.fail(w, r, op, err)
		return
	}
	if edit != nil {
		status = edit(&v)
	}
	h.render(w, r, status, templates.AdminPageTriggers, v)
}

func (h *Handler) triggersPage(w http.ResponseWriter, r *http.Request, op *operator) {
	if p := h.loadPool(w, r, op); p != nil {
		h.renderTriggers(w, r, op, p, http.StatusOK, nil)
	}
}

func formURLs(r *http.Request) map[string]string {
	urls := map[string]string{}
	for _, name := range pool.Triggers {
		urls[name] = strings.TrimSpace(r.PostFormValue("url." + name))
	}
	return urls
}

// saveTriggers sets the pool's webhook URLs; a trigger that gets a URL and has no secret gets
// one, shown on the page this once (so the page is rendered, not redirected to).
func (h *Handler) saveTriggers(w http.ResponseWriter, r *http.Request, op *operator) {
	p := h.loadPool(w, r, op)
	if p == nil {
		return
	}
	urls := formURLs(r)
	c := &pool.LambdaConfig{PreSignUp: urls[pool.TriggerPreSignUp], CustomMessage: urls[pool.TriggerCustomMessage],
		PostConfirmation: urls[pool.TriggerPostConfirmation], PreAuthentication: urls[pool.TriggerPreAuthentication],
		PostAuthentication: urls[pool.TriggerPostAuthentication], UserMigration: urls[pool.TriggerUserMigration]}
	if u := urls[pool.TriggerPreTokenGeneration]; u != "" {
		c.PreTokenGenerationConfig = &pool.PreTokenGenerationConfig{LambdaVersion: "V2_0", LambdaArn: u}
	}
	next := *p
	next.LambdaConfig = c
	updated, generated, err := h.Triggers.UpdatePool(r.Context(), &next, nil)
	if err != nil {
		h.renderTriggers(w, r, op, p, http.StatusBadRequest, func(v *templates.AdminTriggers) int {
			return h.formFailure(r, &v.AdminBase, err, triggerFields...)
		})
		return
	}
	h.logger().InfoContext(r.Context(), "console: trigger URLs saved", "operator", op.username, "pool", p.Id)
	h.renderTriggers(w, r, op, updated, http.StatusOK, func(v *templates.AdminTriggers) int {
		v.Notice, v.NewSecrets = notices["saved"], generated
		return http.StatusOK
	})
}

// triggerAction rotates a trigger's secret (the new one shown once) or sends it a test event.
func (h *Handler) triggerAction(w http.ResponseWriter, r *http.Request, op *operator) {
	p := h.loadPool(w, r, op)
	if p == nil {
		return
	}
	name := mux.Vars(r)["trigger"]
	if !slices.Contains(pool.Triggers, name) {
		h.fail(w, r, op, errInvalid("There is no such trigger."))
		return
	}
	switch r.PostFormValue("op") {
	case "rotate":
		generated, err := h.Triggers.ConfigureSecrets(r.Context(), p, []trigger.SecretInput{{Name: name}})
		if err != nil {
			h.fail(w, r, op, err)
			return
		}
		h.logger().InfoContext(r.Context(), "console: trigger secret rotated", "operator", op.username, "pool", p.Id, "trigger", name)
		h.renderTriggers(w, r, op, p, http.StatusOK, func(v *templates.AdminTriggers) int {
			v.Notice, v.NewSecrets = "A new secret is set.", generated
			return http.StatusOK
		})
	case "test":
		inv, err := h.Triggers.Test(r.Context(), p.Id, name)
		if err != nil {
			h.fail(w, r, op, err)
			return
		}
		h.renderTriggers(w, r, op, p, http.StatusOK, func(v *templates.AdminTriggers) int {
			v.Notice, v.Test = "Test event sent.", inv
			return http.StatusOK
		})
	default:
		h.fail(w, r, op, errInvalid("Unknown action."))
	}
}
