// Package httpx holds HTTP plumbing shared by the edges: request ids, panic recovery, security
// headers and a JSON writer.
package httpx

import (
	"context"
	"net/http"

	"github.com/google/uuid"
)

type requestIDKey struct{}

// RequestIDHeader is the response header that carries the request id.
const RequestIDHeader = "X-Request-Id"

// NewRequestID returns a random id in UUID form (what AWS uses for x-amzn-RequestId).
func NewRequestID() string { return uuid.NewString() }

// WithRequestID returns ctx carrying id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestIDFrom returns the request id in ctx, or "" when there is none.
func RequestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// RequestID gives every request a fresh id, in its context and in the X-Request-Id response
// header. An id sent by the client is not trusted: logs must not be forgeable.
func RequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := NewRequestID()
		w.Header().Set(RequestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(WithRequestID(r.Context(), id)))
	})
}
