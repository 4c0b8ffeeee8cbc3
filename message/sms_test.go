package message

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/userpool/userpool/webhook"
)

// smsSecret is the gateway's secret in the Standard Webhooks form.
const smsSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// gateway is an httptest SMS gateway that checks the signature of what it receives as a
// Standard Webhooks receiver does.
type gateway struct {
	secret   string // what the gateway verifies with; "" is smsSecret
	mu       sync.Mutex
	calls    int
	requests []delivery // every request, signed headers and body
	received []map[string]string
	bad      []error
	// handle answers the n-th request; false: it failed, do not record it as received.
	handle func(w http.ResponseWriter, r *http.Request, n int) bool
}

// delivery is a request as the gateway got it.
type delivery struct {
	header http.Header
	body   []byte
}

// state returns what the gateway has seen so far.
func (g *gateway) state() (calls int, received []map[string]string, bad []error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls, g.received, g.bad
}

// deliveries returns every request the gateway got.
func (g *gateway) deliveries() []delivery {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.requests
}

func startGateway(t *testing.T, g *gateway) *httptest.Server {
	t.Helper()
	secret := g.secret
	if secret == "" {
		secret = smsSecret
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Error(err)
			return
		}
		g.mu.Lock()
		g.calls++
		g.requests = append(g.requests, delivery{r.Header.Clone(), body})
		if err := webhook.Verify(secret, r.Header, body, time.Now(), 5*time.Minute); err != nil {
			g.bad = append(g.bad, err)
		}
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			g.bad = append(g.bad, errors.New(r.Method+" "+r.Header.Get("Content-Type")))
		}
		var payload map[string]string
		if err := json.Unmarshal(body, &payload); err != nil {
			g.bad = append(g.bad, err)
		}
		calls := g.calls
		g.mu.Unlock()
		if g.handle != nil && !g.handle(w, r, calls) {
			return
		}
		g.mu.Lock()
		g.received = append(g.received, payload)
		g.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	return srv
}

func smsMessage(t *testing.T) *Message {
	t.Helper()
	m, err := New(Defaults(), Draft{PoolID: "local_abc", Type: MFA, Channel: SMS, Destination: "+12065550100", Values: Values{Code: "271828"}}, testEpoch)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSMSWebhookDelivers(t *testing.T) {
	g := &gateway{}
	srv := startGateway(t, g)
	senders, err := NewSenders(Config{SMSWebhookURL: srv.URL + "/sms", SMSWebhookSecret: smsSecret}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := smsMessage(t)
	if err := senders.SMS.Send(t.Context(), m); err != nil {
		t.Fatalf("Send() = %v", err)
	}
	_, received, bad := g.state()
	if len(bad) != 0 {
		t.Fatalf("gateway saw bad requests: %v", bad)
	}
	want := map[string]string{"message_id": m.ID, "to": "+12065550100", "body": "Your sign-in code is 271828.", "pool_id": "local_abc", "message_type": "mfa"}
	if len(received) != 1 || len(received[0]) != len(want) {
		t.Fatalf("received %v", received)
	}
	for k, v := range want {
		if received[0][k] != v {
			t.Errorf("%s = %q, want %q", k, received[0][k], v)
		}
	}
}

// The signature is the Standard Webhooks one: webhook-id is the message's id, and a gateway
// refuses a request that another secret signed, that is old, or whose body or headers changed.
func TestSMSWebhookSignature(t *testing.T) {
	g := &gateway{}
	srv := startGateway(t, g)
	s, err := NewSMSWebhook(srv.URL, smsSecret)
	if err != nil {
		t.Fatal(err)
	}
	sent := time.Now()
	s.Now = func() time.Time { return sent }
	m := smsMessage(t)
	if err := s.Send(t.Context(), m); err != nil {
		t.Fatalf("Send() = %v", err)
	}
	d := g.deliveries()
	if len(d) != 1 {
		t.Fatalf("gateway got %d requests", len(d))
	}
	h, body := d[0].header, d[0].body
	if got := h.Get(webhook.IDHeader); got != m.ID {
		t.Errorf("%s = %q, want the message id %q", webhook.IDHeader, got, m.ID)
	}
	if got, want := h.Get(webhook.TimestampHeader), sent.Unix(); got != strconv.FormatInt(want, 10) {
		t.Errorf("%s = %q, want %d", webhook.TimestampHeader, got, want)
	}
	if got := h.Get(webhook.SignatureHeader); !strings.HasPrefix(got, "v1,") || strings.Contains(got, " ") {
		t.Errorf("%s = %q, want one v1 signature", webhook.SignatureHeader, got)
	}
	verify := func(secret string, h http.Header, body []byte, now time.Time) error {
		return webhook.Verify(secret, h, body, now, 5*time.Minute)
	}
	if err := verify(smsSecret, h, body, sent); err != nil {
		t.Fatalf("Verify() = %v", err)
	}
	changed := []byte(strings.Replace(string(body), "+12065550100", "+12065550199", 1))
	refused := map[string]error{
		"other secret": verify(webhook.NewSecret(), h, body, sent),
		"stale":        verify(smsSecret, h, body, sent.Add(6*time.Minute)),
		"body changed": verify(smsSecret, h, changed, sent),
	}
	for _, name := range []string{webhook.IDHeader, webhook.TimestampHeader, webhook.SignatureHeader} {
		without := h.Clone()
		without.Del(name)
		refused["no "+name] = verify(smsSecret, without, body, sent)
	}
	for name, err := range refused {
		if err == nil {
			t.Errorf("%s: Verify() accepted it", name)
		}
	}
}

// A whsec_ secret signs with its decoded key, so the gateway verifies with the same string; any
// other secret signs with its own bytes, which a gateway's library takes as whsec_ + base64.
func TestSMSWebhookSecretForms(t *testing.T) {
	plain := "a plain gateway secret of 32 bytes"
	tests := []struct{ name, configured, verifyWith string }{
		{"whsec_", smsSecret, smsSecret},
		{"plain", plain, webhook.SecretPrefix + base64.StdEncoding.EncodeToString([]byte(plain))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &gateway{secret: tt.verifyWith}
			srv := startGateway(t, g)
			senders, err := NewSenders(Config{SMSWebhookURL: srv.URL, SMSWebhookSecret: tt.configured}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := senders.SMS.Send(t.Context(), smsMessage(t)); err != nil {
				t.Fatalf("Send() = %v", err)
			}
			if calls, received, bad := g.state(); calls != 1 || len(received) != 1 || len(bad) != 0 {
				t.Fatalf("gateway: %d calls, received %v, bad %v", calls, received, bad)
			}
		})
	}
	// A whsec_ secret that is not one is a mistake to report, not a plain secret to sign with.
	if _, err := NewSMSWebhook("https://sms.example.com", "whsec_c2hvcnQ="); err == nil || !strings.Contains(err.Error(), "USERPOOL_SMS_WEBHOOK_SECRET") {
		t.Fatalf("NewSMSWebhook(whsec_ of 5 bytes) = %v", err)
	}
}

// A retried message keeps its webhook-id, so a gateway can de-duplicate on it; each attempt
// is signed afresh.
func TestSMSWebhookRetryKeepsID(t *testing.T) {
	g := &gateway{handle: func(w http.ResponseWriter, _ *http.Request, n int) bool {
		if n == 1 {
			http.Error(w, "boom", http.StatusInternalServerError)
			return false
		}
		return true
	}}
	srv := startGateway(t, g)
	sms, err := NewSMSWebhook(srv.URL, smsSecret)
	if err != nil {
		t.Fatal(err)
	}
	store, clk := &memStore{}, &clock{now: testEpoch}
	m := smsMessage(t)
	if err := store.EnqueueMessage(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	w := NewWorker(store, Senders{SMS: sms}, WorkerConfig{Logger: quiet, Now: clk.Now})
	for range 2 {
		if n, err := w.RunOnce(t.Context()); n != 1 || err != nil {
			t.Fatalf("RunOnce() = %d, %v", n, err)
		}
		clk.Set(store.get(m.ID).NextAttemptAt)
	}
	if got := store.get(m.ID); got.Status != Sent {
		t.Fatalf("after a retry: %+v", got)
	}
	d := g.deliveries()
	if _, _, bad := g.state(); len(d) != 2 || len(bad) != 0 {
		t.Fatalf("gateway got %d requests (bad: %v)", len(d), bad)
	}
	for i, r := range d {
		if got := r.header.Get(webhook.IDHeader); got != m.ID {
			t.Errorf("attempt %d: %s = %q, want %q", i+1, webhook.IDHeader, got, m.ID)
		}
	}
}

func TestSMSWebhookFailures(t *testing.T) {
	tests := []struct {
		name      string
		handle    func(w http.ResponseWriter, r *http.Request, n int) bool
		permanent bool
	}{
		{"server error", func(w http.ResponseWriter, _ *http.Request, _ int) bool {
			http.Error(w, "boom", http.StatusInternalServerError)
			return false
		}, false},
		{"rate limited", func(w http.ResponseWriter, _ *http.Request, _ int) bool {
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return false
		}, false},
		{"timeout", func(_ http.ResponseWriter, r *http.Request, _ int) bool {
			<-r.Context().Done() // never answers; the client gives up
			return false
		}, false},
		{"bad request", func(w http.ResponseWriter, _ *http.Request, _ int) bool {
			http.Error(w, "invalid number", http.StatusBadRequest)
			return false
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startGateway(t, &gateway{handle: tt.handle})
			s, err := NewSMSWebhook(srv.URL, smsSecret)
			if err != nil {
				t.Fatal(err)
			}
			s.Client.Timeout = 100 * time.Millisecond
			err = s.Send(t.Context(), smsMessage(t))
			var perm *permanentError
			if err == nil || errors.As(err, &perm) != tt.permanent {
				t.Fatalf("Send() = %v, want permanent %v", err, tt.permanent)
			}
		})
	}
}

// A failing gateway (500, then a timeout) leads to retries with backoff and finally a failed
// message, whose log entry keeps the error and not the code.
func TestFailingGatewayEndsInFailedMessage(t *testing.T) {
	g := &gateway{handle: func(w http.ResponseWriter, r *http.Request, n int) bool {
		if n%2 == 0 {
			<-r.Context().Done()
			return false
		}
		http.Error(w, "boom", http.StatusInternalServerError)
		return false
	}}
	srv := startGateway(t, g)
	sms, err := NewSMSWebhook(srv.URL, smsSecret)
	if err != nil {
		t.Fatal(err)
	}
	sms.Client.Timeout = 100 * time.Millisecond
	store, clk := &memStore{}, &clock{now: testEpoch}
	m := smsMessage(t)
	if err := store.EnqueueMessage(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	w := NewWorker(store, Senders{SMS: sms}, WorkerConfig{Logger: quiet, Now: clk.Now})
	for attempt := 1; attempt <= DefaultBackoff.MaxAttempts; attempt++ {
		if n, err := w.RunOnce(t.Context()); n != 1 || err != nil {
			t.Fatalf("attempt %d: RunOnce() = %d, %v", attempt, n, err)
		}
		clk.Set(store.get(m.ID).NextAttemptAt)
	}
	got := store.get(m.ID)
	if got.Status != Failed || got.Attempts != DefaultBackoff.MaxAttempts || !strings.Contains(got.LastError, "Timeout") || strings.Contains(got.Content.SMS, "271828") {
		t.Fatalf("after %d attempts: %+v", DefaultBackoff.MaxAttempts, got)
	}
	if calls, _, bad := g.state(); calls != DefaultBackoff.MaxAttempts || len(bad) != 0 {
		t.Fatalf("gateway called %d times (bad: %v)", calls, bad)
	}
}
