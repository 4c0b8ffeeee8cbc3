package httpx_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/userpool/userpool/httpx"
)

func TestRequestID(t *testing.T) {
	var seen []string
	h := httpx.RequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, httpx.RequestIDFrom(r.Context()))
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	for range 2 {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
		req.Header.Set(httpx.RequestIDHeader, "forged")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got := resp.Header.Get(httpx.RequestIDHeader)
		if uuid.Validate(got) != nil || got != seen[len(seen)-1] {
			t.Errorf("response id %q, context id %q", got, seen[len(seen)-1])
		}
	}
	if seen[0] == seen[1] {
		t.Error("two requests got the same id")
	}
	if id := httpx.RequestIDFrom(t.Context()); id != "" {
		t.Errorf("RequestIDFrom(no id) = %q", id)
	}
}

func TestRecover(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	tests := []struct {
		name    string
		handler http.HandlerFunc
		status  int
	}{
		{"panic", func(w http.ResponseWriter, r *http.Request) { panic("boom") }, http.StatusInternalServerError},
		{"no panic", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }, http.StatusTeapot},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs.Reset()
			rec := httptest.NewRecorder()
			httpx.Recover(logger)(tt.handler).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/x", nil))
			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d", rec.Code, tt.status)
			}
			if panicked := strings.Contains(logs.String(), "boom"); panicked != (tt.status == http.StatusInternalServerError) {
				t.Errorf("log = %q", logs.String())
			}
			if strings.Contains(rec.Body.String(), "boom") {
				t.Error("the panic value reached the client")
			}
		})
	}
}

func TestSecurityHeaders(t *testing.T) {
	rec := httptest.NewRecorder()
	httpx.SecurityHeaders(http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
		if got := rec.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}

func TestWriteJSON(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		v           any
		wantType    string
		wantErr     bool
	}{
		{"default type", "", map[string]int{"a": 1}, "application/json", false},
		{"given type", "application/x-amz-json-1.1", struct{}{}, "application/x-amz-json-1.1", false},
		{"unencodable", "", func() {}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			err := httpx.WriteJSON(rec, http.StatusCreated, tt.contentType, tt.v)
			if tt.wantErr {
				if err == nil || rec.Body.Len() != 0 {
					t.Errorf("err = %v, body %q", err, rec.Body.String())
				}
				return
			}
			if err != nil || rec.Code != http.StatusCreated || rec.Header().Get("Content-Type") != tt.wantType || !json.Valid(rec.Body.Bytes()) {
				t.Errorf("err %v, %d %q %q", err, rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
			}
		})
	}
}
