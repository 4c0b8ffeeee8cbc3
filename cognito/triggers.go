package cognito

import (
	"context"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/trigger"
	"github.com/userpool/userpool/user"
)

// Triggers is what the API needs of package trigger.
type Triggers interface {
	// CreatePool and UpdatePool save a pool and its triggers' secrets in one transaction.
	CreatePool(ctx context.Context, in *pool.Pool, set []trigger.SecretInput) (*pool.Pool, []trigger.SecretInput, error)
	UpdatePool(ctx context.Context, in *pool.Pool, set []trigger.SecretInput) (*pool.Pool, []trigger.SecretInput, error)
	Test(ctx context.Context, poolID, name string) (*trigger.Invocation, error)
	Invocations(ctx context.Context, poolID string, limit int) ([]*trigger.Invocation, error)
}

// createPool saves a new pool with its triggers' secrets and returns the generated ones.
func (h *Handler) createPool(ctx context.Context, p *pool.Pool, set []trigger.SecretInput) (*pool.Pool, []trigger.SecretInput, error) {
	if h.Triggers == nil {
		if len(set) > 0 {
			return nil, nil, errs.New(errs.UnsupportedOperation, "This server has no triggers.")
		}
		created, err := h.Pools.CreatePool(ctx, p)
		return created, nil, err
	}
	return h.Triggers.CreatePool(ctx, p, set)
}

// updatePool saves a pool with its triggers' secrets and returns the generated ones.
func (h *Handler) updatePool(ctx context.Context, p *pool.Pool, set []trigger.SecretInput) (*pool.Pool, []trigger.SecretInput, error) {
	if h.Triggers == nil {
		if len(set) > 0 {
			return nil, nil, errs.New(errs.UnsupportedOperation, "This server has no triggers.")
		}
		updated, err := h.Pools.UpdatePool(ctx, p)
		return updated, nil, err
	}
	return h.Triggers.UpdatePool(ctx, p, set)
}

// attributeMap turns Cognito's ValidationData list into the map triggers receive.
func attributeMap(attrs []user.Attribute) map[string]string {
	if attrs == nil {
		return nil
	}
	out := make(map[string]string, len(attrs))
	for _, a := range attrs {
		out[a.Name] = a.Value
	}
	return out
}

// invocationType is one entry of the trigger log (the TestTrigger and ListTriggerInvocations
// extension actions).
type invocationType struct {
	Id         string `json:"Id"`
	Trigger    string `json:"Trigger"`
	Source     string `json:"TriggerSource"`
	Status     string `json:"Status"`
	HTTPStatus int    `json:"HttpStatus,omitempty"`
	DurationMs int64  `json:"DurationMs"`
	Error      string `json:"Error,omitempty"`
	Payload    string `json:"Payload,omitempty"`
	Date       epoch  `json:"Date"`
}

func toInvocationType(inv *trigger.Invocation) invocationType {
	return invocationType{Id: inv.ID, Trigger: inv.Trigger, Source: string(inv.Source), Status: string(inv.Status),
		HTTPStatus: inv.HTTPStatus, DurationMs: inv.Duration.Milliseconds(), Error: inv.Error, Payload: inv.Payload, Date: epoch(inv.At)}
}

type testTriggerIn struct {
	UserPoolId string `required:"true"`
	Trigger    string `required:"true"`
}

type testTriggerOut struct {
	Invocation invocationType `json:"Invocation"`
}

// testTrigger sends a sample event to one of the pool's triggers.
func (h *Handler) testTrigger(ctx context.Context, in *testTriggerIn) (*testTriggerOut, error) {
	if h.Triggers == nil {
		return nil, errs.New(errs.UnsupportedOperation, "This server has no triggers.")
	}
	inv, err := h.Triggers.Test(ctx, in.UserPoolId, in.Trigger)
	if err != nil {
		return nil, err
	}
	return &testTriggerOut{Invocation: toInvocationType(inv)}, nil
}

type listTriggerInvocationsIn struct {
	UserPoolId string `required:"true"`
	MaxResults int
}

type listTriggerInvocationsOut struct {
	Invocations []invocationType `json:"Invocations"`
}

func (h *Handler) listTriggerInvocations(ctx context.Context, in *listTriggerInvocationsIn) (*listTriggerInvocationsOut, error) {
	if h.Triggers == nil {
		return nil, errs.New(errs.UnsupportedOperation, "This server has no triggers.")
	}
	invs, err := h.Triggers.Invocations(ctx, in.UserPoolId, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &listTriggerInvocationsOut{Invocations: make([]invocationType, 0, len(invs))}
	for _, inv := range invs {
		out.Invocations = append(out.Invocations, toInvocationType(inv))
	}
	return out, nil
}
