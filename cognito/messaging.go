package cognito

import (
	"context"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/message"
)

// MessageLog lists a pool's messages (message.Store has it).
type MessageLog interface {
	ListMessages(ctx context.Context, q message.ListQuery) ([]*message.Message, string, error)
}

// listMessagesIn is the ListMessages extension action: a page of a pool's outbox, newest first.
type listMessagesIn struct {
	UserPoolId string `required:"true"`
	Status     string
	MaxResults int
	NextToken  *string
}

// messageType is one message of the log. Its content is the redacted copy: codes and
// temporary passwords read "******".
type messageType struct {
	Id            string `json:"Id"`
	Type          string `json:"Type"`
	Channel       string `json:"Channel"`
	Destination   string `json:"Destination"`
	Status        string `json:"Status"`
	Subject       string `json:"Subject,omitempty"`
	Body          string `json:"Body"`
	Attempts      int    `json:"Attempts"`
	LastError     string `json:"LastError,omitempty"`
	CreationDate  epoch  `json:"CreationDate"`
	NextAttemptAt *epoch `json:"NextAttemptDate,omitempty"`
	SentDate      *epoch `json:"SentDate,omitempty"`
}

type listMessagesOut struct {
	Messages  []messageType `json:"Messages"`
	NextToken *string       `json:"NextToken,omitempty"`
}

func (h *Handler) listMessages(ctx context.Context, in *listMessagesIn) (*listMessagesOut, error) {
	switch message.Status(in.Status) {
	case "", message.Pending, message.Sent, message.Failed:
	default:
		return nil, errs.New(errs.InvalidParameter, "Status must be pending, sent or failed, not %q.", in.Status)
	}
	if in.MaxResults < 0 || in.MaxResults > 60 {
		return nil, errs.New(errs.InvalidParameter, "MaxResults must be between 1 and 60.")
	}
	if h.Messages == nil {
		return nil, errs.New(errs.UnsupportedOperation, "This server keeps no message log.")
	}
	if _, err := h.Pools.GetPool(ctx, in.UserPoolId); err != nil {
		return nil, err
	}
	limit := in.MaxResults
	if limit == 0 {
		limit = 60
	}
	msgs, next, err := h.Messages.ListMessages(ctx, message.ListQuery{
		PoolID: in.UserPoolId, Status: message.Status(in.Status), Limit: limit, Cursor: str(in.NextToken),
	})
	if err != nil {
		return nil, err
	}
	out := &listMessagesOut{Messages: make([]messageType, 0, len(msgs)), NextToken: pageToken(next)}
	for _, m := range msgs {
		// Never the clear content: a pending message still holds its code.
		body := m.Redacted.Text
		if m.Channel == message.SMS {
			body = m.Redacted.SMS
		}
		mt := messageType{
			Id: m.ID, Type: string(m.Type), Channel: string(m.Channel), Destination: m.Destination,
			Status: string(m.Status), Subject: m.Redacted.Subject, Body: body, Attempts: m.Attempts,
			LastError: m.LastError, CreationDate: epoch(m.CreatedAt),
		}
		if m.Status == message.Pending {
			next := epoch(m.NextAttemptAt)
			mt.NextAttemptAt = &next
		}
		if !m.SentAt.IsZero() {
			sent := epoch(m.SentAt)
			mt.SentDate = &sent
		}
		out.Messages = append(out.Messages, mt)
	}
	return out, nil
}
