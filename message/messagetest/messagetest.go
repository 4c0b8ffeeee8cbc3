// Package messagetest delivers a test's messages for real: it runs the outbox worker until the
// test ends, and serves an SMS gateway that keeps the texts it receives.
package messagetest

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/userpool/userpool/message"
)

// RunWorker runs an outbox worker delivering store's messages through senders until the test
// ends, and returns it (its Wake makes it look at once).
func RunWorker(t testing.TB, store message.Store, senders message.Senders) *message.Worker {
	t.Helper()
	worker := message.NewWorker(store, senders, message.WorkerConfig{Logger: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = worker.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return worker
}

// SMSGateway serves an SMS webhook until the test ends and returns its URL and the bodies of
// the texts it receives, in order.
func SMSGateway(t testing.TB) (string, <-chan string) {
	t.Helper()
	texts := make(chan string, 100)
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct{ To, Body string }
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		texts <- body.Body
	}))
	t.Cleanup(gw.Close)
	return gw.URL, texts
}
