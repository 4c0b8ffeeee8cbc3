package message

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

var quiet = slog.New(slog.DiscardHandler)

var testEpoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// memStore is a test double of Store for the worker's own logic (claiming, backoff, marking).
// The real stores are tested against the database in package storage.
type memStore struct {
	mu   sync.Mutex
	msgs []*Message
}

func (s *memStore) EnqueueMessage(_ context.Context, m *Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := *m
	s.msgs = append(s.msgs, &c)
	return nil
}

func (s *memStore) ClaimMessages(_ context.Context, now, leaseUntil time.Time, limit int) ([]*Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*Message
	for _, m := range s.msgs {
		if len(out) < limit && m.Status == Pending && !m.NextAttemptAt.After(now) {
			m.NextAttemptAt = leaseUntil
			c := *m
			out = append(out, &c)
		}
	}
	return out, nil
}

func (s *memStore) find(id string) *Message {
	for _, m := range s.msgs {
		if m.ID == id {
			return m
		}
	}
	panic("no message " + id)
}

func (s *memStore) MarkSent(_ context.Context, _, id string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.find(id)
	m.Status, m.SentAt, m.Content = Sent, at, m.Redacted
	return nil
}

func (s *memStore) MarkRetry(_ context.Context, _, id string, next time.Time, lastError string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.find(id)
	m.Attempts++
	m.NextAttemptAt, m.LastError = next, lastError
	return nil
}

func (s *memStore) MarkFailed(_ context.Context, _, id string, lastError string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.find(id)
	m.Attempts++
	m.Status, m.LastError, m.Content = Failed, lastError, m.Redacted
	return nil
}

func (s *memStore) ListMessages(context.Context, ListQuery) ([]*Message, string, error) {
	panic("not used by the worker")
}

func (s *memStore) get(id string) Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.find(id)
}

// clock is an injected time source the test moves by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// recorder is a Sender that records what it sends and fails while fail returns an error.
type recorder struct {
	mu   sync.Mutex
	sent []*Message
	fail func(n int) error // n: 1-based call number
	n    int
}

func (r *recorder) Send(_ context.Context, m *Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n++
	if r.fail != nil {
		if err := r.fail(r.n); err != nil {
			return err
		}
	}
	r.sent = append(r.sent, m)
	return nil
}

func newTestMessage(t *testing.T, store Store, ch Channel, now time.Time) *Message {
	t.Helper()
	dest := "ann@example.com"
	if ch == SMS {
		dest = "+12065550100"
	}
	m, err := New(Defaults(), Draft{PoolID: "local_abc", Type: Verification, Channel: ch, Destination: dest, Values: Values{Code: "424242"}}, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.EnqueueMessage(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestBackoffDelay(t *testing.T) {
	want := []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second, 160 * time.Second, 320 * time.Second, 640 * time.Second, 15 * time.Minute, 15 * time.Minute}
	for i, w := range want {
		if got := DefaultBackoff.Delay(i + 1); got != w {
			t.Errorf("Delay(%d) = %v, want %v", i+1, got, w)
		}
	}
}

func TestWorkerSendsAndRedacts(t *testing.T) {
	store, clk, email := &memStore{}, &clock{now: testEpoch}, &recorder{}
	m := newTestMessage(t, store, Email, testEpoch)
	w := NewWorker(store, Senders{Email: email}, WorkerConfig{Logger: quiet, Now: clk.Now})
	n, err := w.RunOnce(t.Context())
	if err != nil || n != 1 {
		t.Fatalf("RunOnce() = %d, %v", n, err)
	}
	if len(email.sent) != 1 || !strings.Contains(email.sent[0].Content.Text, "424242") {
		t.Fatalf("sent %+v", email.sent)
	}
	got := store.get(m.ID)
	if got.Status != Sent || !got.SentAt.Equal(testEpoch) || strings.Contains(got.Content.Text+got.Content.HTML, "424242") || !strings.Contains(got.Content.Text, Redaction) {
		t.Fatalf("after delivery: %+v", got)
	}
	if n, err := w.RunOnce(t.Context()); n != 0 || err != nil {
		t.Fatalf("second RunOnce() = %d, %v: a sent message was claimed again", n, err)
	}
}

func TestWorkerRetriesWithBackoffThenFails(t *testing.T) {
	store, clk := &memStore{}, &clock{now: testEpoch}
	sms := &recorder{fail: func(int) error { return errors.New("gateway down") }}
	m := newTestMessage(t, store, SMS, testEpoch)
	w := NewWorker(store, Senders{SMS: sms}, WorkerConfig{Logger: quiet, Now: clk.Now})

	at := testEpoch
	for attempt := 1; attempt < DefaultBackoff.MaxAttempts; attempt++ {
		if n, err := w.RunOnce(t.Context()); n != 1 || err != nil {
			t.Fatalf("attempt %d: RunOnce() = %d, %v", attempt, n, err)
		}
		got := store.get(m.ID)
		wantNext := at.Add(DefaultBackoff.Delay(attempt))
		if got.Status != Pending || got.Attempts != attempt || !got.NextAttemptAt.Equal(wantNext) || got.LastError != "gateway down" {
			t.Fatalf("after attempt %d: %+v, want next attempt at %v", attempt, got, wantNext)
		}
		// Not due yet: nothing is claimed just before the next attempt time.
		clk.Set(wantNext.Add(-time.Second))
		if n, _ := w.RunOnce(t.Context()); n != 0 {
			t.Fatalf("attempt %d: a message was claimed before it was due", attempt)
		}
		at = wantNext
		clk.Set(at)
	}
	if n, err := w.RunOnce(t.Context()); n != 1 || err != nil {
		t.Fatalf("last attempt: RunOnce() = %d, %v", n, err)
	}
	got := store.get(m.ID)
	if got.Status != Failed || got.Attempts != DefaultBackoff.MaxAttempts || got.LastError != "gateway down" || strings.Contains(got.Content.SMS, "424242") {
		t.Fatalf("after the last attempt: %+v", got)
	}
	if sms.n != DefaultBackoff.MaxAttempts {
		t.Fatalf("sender called %d times, want %d", sms.n, DefaultBackoff.MaxAttempts)
	}
}

func TestWorkerRecoversAfterTransientFailure(t *testing.T) {
	store, clk := &memStore{}, &clock{now: testEpoch}
	email := &recorder{fail: func(n int) error {
		if n == 1 {
			return errors.New("connection refused")
		}
		return nil
	}}
	m := newTestMessage(t, store, Email, testEpoch)
	w := NewWorker(store, Senders{Email: email}, WorkerConfig{Logger: quiet, Now: clk.Now})
	if _, err := w.RunOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	clk.Set(testEpoch.Add(DefaultBackoff.First))
	if _, err := w.RunOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := store.get(m.ID); got.Status != Sent || got.Attempts != 1 || got.LastError != "connection refused" {
		t.Fatalf("after recovery: %+v", got)
	}
}

func TestWorkerPermanentFailureIsNotRetried(t *testing.T) {
	tests := []struct {
		name    string
		senders func(*recorder) Senders
	}{
		{"rejected by the sender", func(r *recorder) Senders {
			r.fail = func(int) error { return Permanent(errors.New("550 no such user")) }
			return Senders{Email: r}
		}},
		{"no sender for the channel", func(*recorder) Senders { return Senders{} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store, clk, r := &memStore{}, &clock{now: testEpoch}, &recorder{}
			m := newTestMessage(t, store, Email, testEpoch)
			w := NewWorker(store, tt.senders(r), WorkerConfig{Logger: quiet, Now: clk.Now})
			if _, err := w.RunOnce(t.Context()); err != nil {
				t.Fatal(err)
			}
			if got := store.get(m.ID); got.Status != Failed || got.Attempts != 1 || got.LastError == "" {
				t.Fatalf("after a permanent failure: %+v", got)
			}
		})
	}
}

func TestWorkerShutdownLeavesMessagePending(t *testing.T) {
	store, clk := &memStore{}, &clock{now: testEpoch}
	ctx, cancel := context.WithCancel(t.Context())
	email := &recorder{fail: func(int) error { cancel(); return context.Canceled }}
	m := newTestMessage(t, store, Email, testEpoch)
	w := NewWorker(store, Senders{Email: email}, WorkerConfig{Logger: quiet, Now: clk.Now, Lease: time.Minute})
	if _, err := w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	got := store.get(m.ID)
	if got.Status != Pending || got.Attempts != 0 || !got.NextAttemptAt.Equal(testEpoch.Add(time.Minute)) {
		t.Fatalf("after shutdown mid-delivery: %+v, want pending until the lease ends", got)
	}
}

func TestWorkerRunWakesAndStops(t *testing.T) {
	store := &memStore{}
	sent := make(chan *Message, 10)
	w := NewWorker(store, Senders{Email: senderFunc(func(_ context.Context, m *Message) error { sent <- m; return nil })},
		WorkerConfig{Logger: quiet, PollInterval: time.Hour}) // only Wake can make it look again
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- w.Run(ctx) }()
	for i := range 3 {
		m := newTestMessage(t, store, Email, time.Now())
		w.Wake()
		if got := <-sent; got.ID != m.ID {
			t.Fatalf("message %d: sent %s, want %s", i, got.ID, m.ID)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run() = %v", err)
	}
}

type senderFunc func(context.Context, *Message) error

func (f senderFunc) Send(ctx context.Context, m *Message) error { return f(ctx, m) }

func TestDevOutboxLogsTheCode(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	senders, err := NewSenders(Config{}, logger)
	if err != nil {
		t.Fatal(err)
	}
	if senders.EmailLive || senders.SMSLive {
		t.Fatalf("live delivery reported without configuration: %+v", senders)
	}
	for _, ch := range []Channel{Email, SMS} {
		buf.Reset()
		m := newTestMessage(t, &memStore{}, ch, testEpoch)
		if err := senders.For(ch).Send(t.Context(), m); err != nil {
			t.Fatal(err)
		}
		line := buf.String()
		for _, want := range []string{"level=INFO", "dev outbox", "424242", m.Destination} {
			if !strings.Contains(line, want) {
				t.Errorf("%s: log %q lacks %q", ch, line, want)
			}
		}
	}
}

func TestNewSendersConfig(t *testing.T) {
	tests := []struct {
		name     string
		cfg      Config
		wantErr  string
		wantLive []bool // email, sms
	}{
		{"smtp and sms", Config{SMTPURL: "smtp://u:p@mail.example.com:587", MailFrom: "Pool <no-reply@example.com>", SMSWebhookURL: "https://sms.example.com/hook", SMSWebhookSecret: "s"}, "", []bool{true, true}},
		{"smtps only", Config{SMTPURL: "smtps://mail.example.com", MailFrom: "no-reply@example.com"}, "", []bool{true, false}},
		{"bad smtp scheme", Config{SMTPURL: "http://mail.example.com", MailFrom: "a@example.com"}, "scheme must be smtp or smtps", nil},
		{"smtp without from", Config{SMTPURL: "smtp://mail.example.com"}, "USERPOOL_MAIL_FROM is required", nil},
		{"bad from", Config{SMTPURL: "smtp://mail.example.com", MailFrom: "nobody"}, "USERPOOL_MAIL_FROM", nil},
		{"smtp without host", Config{SMTPURL: "smtp://:25", MailFrom: "a@example.com"}, "missing host", nil},
		{"unparsable smtp url", Config{SMTPURL: "smtp://u:p@[::1", MailFrom: "a@example.com"}, "USERPOOL_SMTP_URL is not a valid URL", nil},
		{"unparsable sms url", Config{SMSWebhookURL: "https://u:p@[::1", SMSWebhookSecret: "s"}, "USERPOOL_SMS_WEBHOOK_URL is not a valid URL", nil},
		{"sms without secret", Config{SMSWebhookURL: "https://sms.example.com/hook"}, "USERPOOL_SMS_WEBHOOK_SECRET is required", nil},
		{"bad sms url", Config{SMSWebhookURL: "sms.example.com/hook", SMSWebhookSecret: "s"}, "USERPOOL_SMS_WEBHOOK_URL", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSenders(tt.cfg, slog.Default())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("NewSenders() = %v, want an error containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), ":p@") {
					t.Fatalf("error %q shows the SMTP password", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := []bool{s.EmailLive, s.SMSLive}; !slices.Equal(got, tt.wantLive) {
				t.Fatalf("live = %v, want %v", got, tt.wantLive)
			}
		})
	}
}
