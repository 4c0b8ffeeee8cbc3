package trigger

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/message"
	"github.com/userpool/userpool/pool"
)

// Non-blocking triggers go through the durable outbox: the caller writes the message these
// methods return in the same transaction as the change the event reports, and the outbox worker
// delivers it with Send, retrying with back-off. So an event is sent if and only if the change
// happened, and a trigger's failure never undoes it.

// PostConfirmation returns the outbox message of a post confirmation event, or nil when the
// pool does not configure the trigger.
func (s *Service) PostConfirmation(p *pool.Pool, ev *PostConfirmationEvent) (*message.Message, error) {
	ev.Request.UserAttributes = orEmpty(ev.Request.UserAttributes)
	return s.event(p, pool.TriggerPostConfirmation, &ev.Header, ev)
}

// PostAuthentication returns the outbox message of a post authentication event, or nil when
// the pool does not configure the trigger.
func (s *Service) PostAuthentication(p *pool.Pool, ev *PostAuthenticationEvent) (*message.Message, error) {
	ev.Request.UserAttributes = orEmpty(ev.Request.UserAttributes)
	return s.event(p, pool.TriggerPostAuthentication, &ev.Header, ev)
}

func (s *Service) event(p *pool.Pool, name string, h *Header, ev any) (*message.Message, error) {
	if p.TriggerURL(name) == "" {
		return nil, nil
	}
	fill(h, p, "1")
	body, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("encode %s event: %w", name, err)
	}
	now := s.cfg.Now().UTC()
	content := message.Content{Text: string(body)}
	return &message.Message{
		ID: newID(), PoolID: p.Id, Channel: message.Trigger, Destination: name, Type: message.Type(h.TriggerSource),
		Content: content, Redacted: content, Status: message.Pending, NextAttemptAt: now, CreatedAt: now,
	}, nil
}

// Send delivers a trigger event from the outbox (it is the outbox's Sender for
// message.Trigger). Network errors, timeouts and 5xx answers are retried; other answers are
// final: a non-2xx one fails the message, a 2xx one is delivered. When the pool no longer
// configures the trigger, the event is dropped.
func (s *Service) Send(ctx context.Context, m *message.Message) error {
	p, err := s.pools.GetPool(ctx, m.PoolID)
	if errs.Is(err, errs.ResourceNotFound) {
		return message.Permanent(err)
	}
	if err != nil {
		return err
	}
	if p.TriggerURL(m.Destination) == "" {
		s.cfg.Logger.InfoContext(ctx, "trigger no longer configured: event dropped", "pool_id", p.Id, "trigger", m.Destination, "message_id", m.ID)
		return nil
	}
	inv := &Invocation{ID: newID(), PoolID: p.Id, Trigger: m.Destination, Source: Source(m.Type), At: s.cfg.Now().UTC(), Payload: m.Content.Text}
	start := time.Now()
	// The message id is the webhook-id of every attempt, so a receiver can drop duplicates.
	a, err := s.deliver(ctx, p, m.Destination, m.ID, []byte(m.Content.Text))
	inv.Duration = time.Since(start)
	switch {
	case err != nil:
		inv.Status, inv.Error = Failed, err.Error()
	case a.status >= 200 && a.status <= 299:
		inv.Status, inv.HTTPStatus = Succeeded, a.status
	case a.status >= 500:
		inv.Status, inv.HTTPStatus, inv.Error = Failed, a.status, fmt.Sprintf("HTTP %d", a.status)
		err = fmt.Errorf("%s answered HTTP %d", m.Destination, a.status)
	default:
		inv.Status, inv.HTTPStatus, inv.Error = Refused, a.status, fmt.Sprintf("HTTP %d", a.status)
		err = message.Permanent(fmt.Errorf("%s answered HTTP %d", m.Destination, a.status))
	}
	s.record(ctx, inv)
	return err
}
