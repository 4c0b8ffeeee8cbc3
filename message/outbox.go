package message

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/userpool/userpool/errs"
)

// Store is the durable outbox. Every message is written (EnqueueMessage, or by a domain store in
// the same transaction as the change that caused it) before anything is delivered.
type Store interface {
	// EnqueueMessage writes m, a pending message from New.
	EnqueueMessage(ctx context.Context, m *Message) error
	// ClaimMessages takes up to limit pending messages due at now (NextAttemptAt <= now), oldest
	// first, and moves their NextAttemptAt to leaseUntil in the same transaction: no other
	// worker takes them while this one delivers, and if this one dies they become due again at
	// leaseUntil. Concurrent callers never receive the same message.
	ClaimMessages(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*Message, error)
	// MarkSent records delivery and replaces the content with the redacted copy.
	MarkSent(ctx context.Context, poolID, id string, at time.Time) error
	// MarkRetry records a failed attempt (Attempts+1, LastError) and when to try again.
	MarkRetry(ctx context.Context, poolID, id string, next time.Time, lastError string) error
	// MarkFailed gives up (Attempts+1, LastError, status failed) and replaces the content with
	// the redacted copy.
	MarkFailed(ctx context.Context, poolID, id string, lastError string) error
	// ListMessages returns a pool's messages, newest first, as the operator's message log, and
	// the cursor of the next page ("" at the end).
	ListMessages(ctx context.Context, q ListQuery) ([]*Message, string, error)
}

// ListQuery selects a page of a pool's message log. An empty Status lists every status.
type ListQuery struct {
	PoolID string
	Status Status
	Limit  int
	Cursor string
}

// Draft is a message to compose.
type Draft struct {
	PoolID      string
	Type        Type
	Channel     Channel
	Destination string
	From        string // overrides the server's From address (email only)
	ReplyTo     string
	Values      Values
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

// New renders d with the pool's templates into a pending message due at now. The caller writes
// it to the outbox in the same transaction as the change that caused it, then wakes the worker.
func New(ts Templates, d Draft, now time.Time) (*Message, error) {
	switch d.Channel {
	case Email:
		a, err := mail.ParseAddress(d.Destination)
		if err != nil || a.Name != "" || a.Address != d.Destination {
			return nil, errs.New(errs.InvalidParameter, "invalid email address %q", d.Destination)
		}
		for _, h := range []struct{ name, value string }{{"From", d.From}, {"ReplyTo", d.ReplyTo}} {
			if _, err := mail.ParseAddress(h.value); h.value != "" && err != nil {
				return nil, errs.New(errs.InvalidParameter, "invalid %s address %q", h.name, h.value)
			}
		}
	case SMS:
		if !e164.MatchString(d.Destination) {
			return nil, errs.New(errs.InvalidParameter, "invalid phone number %q: expected E.164, like +12065550100", d.Destination)
		}
	default:
		return nil, errs.New(errs.InvalidParameter, "unknown channel %q", d.Channel)
	}
	content, redacted, err := ts.Render(d.Type, d.Channel, d.Values)
	if err != nil {
		return nil, err
	}
	return &Message{
		ID: newID(), PoolID: d.PoolID, Channel: d.Channel, Destination: d.Destination, Type: d.Type,
		From: d.From, ReplyTo: d.ReplyTo, Content: content, Redacted: redacted,
		Status: Pending, NextAttemptAt: now, CreatedAt: now,
	}, nil
}

// Sender delivers one message. An error wrapped with Permanent is not retried.
type Sender interface {
	Send(ctx context.Context, m *Message) error
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as one that retrying cannot fix (a rejected address, a bad request).
func Permanent(err error) error { return &permanentError{err} }

// Backoff says when a failed message is tried again: First after the first failure, doubling up
// to Max; after MaxAttempts failures the message is marked failed.
type Backoff struct {
	First       time.Duration
	Max         time.Duration
	MaxAttempts int
}

// DefaultBackoff tries 8 times over about 20 minutes.
var DefaultBackoff = Backoff{First: 10 * time.Second, Max: 15 * time.Minute, MaxAttempts: 8}

// Delay is the wait after the n-th failed attempt (n >= 1).
func (b Backoff) Delay(n int) time.Duration {
	d := b.First
	for i := 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

// WorkerConfig tunes a Worker; zero fields take the defaults.
type WorkerConfig struct {
	Backoff      Backoff       // DefaultBackoff
	Batch        int           // messages claimed at once and sent in parallel: 10
	SendTimeout  time.Duration // per message: 30 s
	Lease        time.Duration // how long a claim lasts, longer than SendTimeout: 2 min
	PollInterval time.Duration // how often to look for due messages when not woken: 5 s
	Now          func() time.Time
	Logger       *slog.Logger
}

// Worker delivers the outbox: it claims due messages, sends them, and records the outcome.
// Several workers (in one or several processes) may share one store.
type Worker struct {
	store   Store
	senders Senders
	cfg     WorkerConfig
	wake    chan struct{}
}

// NewWorker returns a worker delivering store's messages through senders.
func NewWorker(store Store, senders Senders, cfg WorkerConfig) *Worker {
	if cfg.Backoff == (Backoff{}) {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 10
	}
	if cfg.SendTimeout <= 0 {
		cfg.SendTimeout = 30 * time.Second
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 2 * time.Minute
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 5 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Worker{store: store, senders: senders, cfg: cfg, wake: make(chan struct{}, 1)}
}

// Wake makes a running worker look for messages now (after an enqueue) instead of at its next
// poll. It never blocks.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run delivers messages until ctx is cancelled, then returns nil. Messages it claimed but did
// not finish are delivered by any worker once their lease ends.
func (w *Worker) Run(ctx context.Context) error {
	timer := time.NewTimer(w.cfg.PollInterval)
	defer timer.Stop()
	for {
		n, err := w.RunOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			w.cfg.Logger.Error("outbox: delivery round failed", "error", err)
		}
		if n == w.cfg.Batch && err == nil {
			continue // more may be due
		}
		timer.Reset(w.cfg.PollInterval)
		select {
		case <-ctx.Done():
			return nil
		case <-w.wake:
		case <-timer.C:
		}
	}
}

// RunOnce claims one batch of due messages, sends them in parallel and records each outcome.
// It returns how many messages it claimed.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	now := w.cfg.Now()
	msgs, err := w.store.ClaimMessages(ctx, now, now.Add(w.cfg.Lease), w.cfg.Batch)
	if err != nil {
		return 0, fmt.Errorf("claim messages: %w", err)
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		failures []error
	)
	for _, m := range msgs {
		wg.Go(func() {
			if err := w.deliver(ctx, m); err != nil {
				mu.Lock()
				failures = append(failures, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return len(msgs), errors.Join(failures...)
}

// maxErrorLength bounds LastError: a misbehaving server's reply is not worth a large row.
const maxErrorLength = 1000

func (w *Worker) deliver(ctx context.Context, m *Message) error {
	sendCtx, cancel := context.WithTimeout(ctx, w.cfg.SendTimeout)
	err := w.send(sendCtx, m)
	cancel()
	if ctx.Err() != nil {
		return nil // shutting down: the claim lapses and the message is sent later
	}
	if err == nil {
		if err := w.store.MarkSent(ctx, m.PoolID, m.ID, w.cfg.Now()); err != nil {
			return fmt.Errorf("mark message %s sent: %w", m.ID, err)
		}
		return nil
	}
	reason := err.Error()
	if len(reason) > maxErrorLength {
		reason = strings.ToValidUTF8(reason[:maxErrorLength], "")
	}
	attempt := m.Attempts + 1
	log := w.cfg.Logger.With("message_id", m.ID, "pool_id", m.PoolID, "type", m.Type, "channel", m.Channel, "attempt", attempt, "error", reason)
	var perm *permanentError
	if errors.As(err, &perm) || attempt >= w.cfg.Backoff.MaxAttempts {
		log.Error("outbox: message failed, giving up")
		if err := w.store.MarkFailed(ctx, m.PoolID, m.ID, reason); err != nil {
			return fmt.Errorf("mark message %s failed: %w", m.ID, err)
		}
		return nil
	}
	next := w.cfg.Now().Add(w.cfg.Backoff.Delay(attempt))
	log.Warn("outbox: delivery failed, will retry", "next_attempt_at", next)
	if err := w.store.MarkRetry(ctx, m.PoolID, m.ID, next, reason); err != nil {
		return fmt.Errorf("mark message %s for retry: %w", m.ID, err)
	}
	return nil
}

func (w *Worker) send(ctx context.Context, m *Message) error {
	s := w.senders.For(m.Channel)
	if s == nil {
		return Permanent(fmt.Errorf("no sender for channel %q", m.Channel))
	}
	return s.Send(ctx, m)
}
