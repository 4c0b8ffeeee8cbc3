// Package audit records who changed what: every operator action in the admin console and
// every signed management API call, with its target and outcome. Records never hold
// passwords, secrets, codes or tokens: callers pass only names and ids. They outlive the pool
// they are about (deleting a pool keeps its audit trail), so that a deletion itself stays on
// record.
package audit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/userpool/userpool/errs"
)

// Kinds of actor.
const (
	Operator  = "operator"   // an operator of the admin console (Actor is the username)
	AccessKey = "access_key" // a SigV4-signed management API call (Actor is the access key id)
)

// OK is the outcome of an action that succeeded; any other outcome is an error code.
const OK = "ok"

// Record is one audited action.
type Record struct {
	ID        string
	At        time.Time
	ActorKind string // Operator or AccessKey
	Actor     string
	Action    string // "DeleteUserPool", or a console action such as "users.action disable"
	PoolID    string // "" when the action is about no pool
	Target    string // the other ids the action names, as "ClientId=… Username=…"
	Outcome   string // OK or an error code ("UserNotFoundException", "HTTP 400")
}

// Query selects a page of records, newest first. Empty fields do not filter; From is
// inclusive and To exclusive.
type Query struct {
	PoolID, Actor, Action string
	From, To              time.Time
	Limit                 int
	Cursor                string
}

// MaxLimit is the largest page.
const MaxLimit = 100

// Store keeps the records.
type Store interface {
	AddAuditRecord(ctx context.Context, r *Record) error
	// ListAuditRecords returns a page and the cursor of the next one ("" at the end).
	ListAuditRecords(ctx context.Context, q Query) ([]*Record, string, error)
}

// Log writes and searches the audit trail.
type Log struct {
	Store  Store
	Now    func() time.Time
	Logger *slog.Logger
}

// Record writes r with a new id and the current time. The action it records has already
// happened, so a failed write is logged rather than returned: the caller cannot undo it.
func (l *Log) Record(ctx context.Context, r Record) {
	if l == nil {
		return
	}
	r.ID = newID()
	r.At = l.now()
	if r.Outcome == "" {
		r.Outcome = OK
	}
	r.Target = strings.TrimSpace(r.Target)
	if err := l.Store.AddAuditRecord(ctx, &r); err != nil {
		l.logger().ErrorContext(ctx, "write audit record", "action", r.Action, "actor", r.Actor, "err", err)
	}
}

// Search validates q and returns a page of records.
func (l *Log) Search(ctx context.Context, q Query) ([]*Record, string, error) {
	if q.Limit < 0 || q.Limit > MaxLimit {
		return nil, "", errs.New(errs.InvalidParameter, "Limit must be between 1 and %d.", MaxLimit)
	}
	if q.Limit == 0 {
		q.Limit = 50
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		return nil, "", errs.New(errs.InvalidParameter, "From must be before To.")
	}
	recs, next, err := l.Store.ListAuditRecords(ctx, q)
	if err != nil {
		return nil, "", fmt.Errorf("search audit records: %w", err)
	}
	return recs, next, nil
}

// Targets formats the ids an action names ("ClientId=abc Username=jane"), skipping empty
// ones; pairs is name, value, name, value...
func Targets(pairs ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(pairs[i] + "=" + pairs[i+1])
	}
	return b.String()
}

func (l *Log) now() time.Time {
	if l.Now != nil {
		return l.Now().UTC()
	}
	return time.Now().UTC()
}

func (l *Log) logger() *slog.Logger {
	if l.Logger != nil {
		return l.Logger
	}
	return slog.Default()
}

// newID is random (not sequential) so that several processes write without coordination.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}
