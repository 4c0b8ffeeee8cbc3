package message

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const smsSecret = "gateway-secret"

// gateway is an httptest SMS gateway that checks the signature of what it receives.
type gateway struct {
	mu       sync.Mutex
	calls    int
	received []map[string]string
	bad      []error
	// handle answers the n-th request; false: it failed, do not record it as received.
	handle func(w http.ResponseWriter, r *http.Request, n int) bool
}

// state returns what the gateway has seen so far.
func (g *gateway) state() (calls int, received []map[string]string, bad []error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls, g.received, g.bad
}

func startGateway(t *testing.T, g *gateway) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Error(err)
			return
		}
		g.mu.Lock()
		g.calls++
		if err := (Signer{Secret: []byte(smsSecret)}).Verify(r.Header, body, time.Now(), 5*time.Minute); err != nil {
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

func TestSignerVerify(t *testing.T) {
	s := Signer{Secret: []byte("k")}
	body := []byte(`{"to":"+1"}`)
	now := time.Unix(1767225600, 0)
	req := httptest.NewRequest(http.MethodPost, "/", nil)
	s.Sign(req, body, now)
	if got := req.Header.Get(TimestampHeader); got != "1767225600" {
		t.Fatalf("%s = %q", TimestampHeader, got)
	}
	// HMAC-SHA256("k", "1767225600." + body), computed independently with openssl.
	if got := req.Header.Get(SignatureHeader); got != "v1=442229aa76b0454e6254658ab7508d7e31f6ccfc23fbad4b1f0ea9db5fef3e81" {
		t.Fatalf("%s = %q", SignatureHeader, got)
	}
	tests := []struct {
		name   string
		change func(h http.Header) ([]byte, time.Time, Signer)
		ok     bool
	}{
		{"valid", func(http.Header) ([]byte, time.Time, Signer) { return body, now, s }, true},
		{"other body", func(http.Header) ([]byte, time.Time, Signer) { return []byte(`{"to":"+2"}`), now, s }, false},
		{"other secret", func(http.Header) ([]byte, time.Time, Signer) { return body, now, Signer{Secret: []byte("x")} }, false},
		{"stale", func(http.Header) ([]byte, time.Time, Signer) { return body, now.Add(6 * time.Minute), s }, false},
		{"from the future", func(http.Header) ([]byte, time.Time, Signer) { return body, now.Add(-6 * time.Minute), s }, false},
		{"timestamp changed", func(h http.Header) ([]byte, time.Time, Signer) {
			h.Set(TimestampHeader, "1767225601")
			return body, now, s
		}, false},
		{"no signature", func(h http.Header) ([]byte, time.Time, Signer) { h.Del(SignatureHeader); return body, now, s }, false},
		{"no timestamp", func(h http.Header) ([]byte, time.Time, Signer) { h.Del(TimestampHeader); return body, now, s }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := req.Header.Clone()
			b, at, signer := tt.change(h)
			if err := signer.Verify(h, b, at, 5*time.Minute); (err == nil) != tt.ok {
				t.Fatalf("Verify() = %v, want ok %v", err, tt.ok)
			}
		})
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
