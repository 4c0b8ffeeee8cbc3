package httpx

import (
	"net/http"
	"net/http/httptest"
)

// InProcess is an http.RoundTripper that serves requests with a handler of this process
// instead of the network: the server's own relying parties (the demo, the admin console) use
// it for their back-channel requests (discovery, JWKS, token), so that they work even where
// the server cannot reach its own public URL (a container behind a mapped port).
type InProcess struct{ Handler http.Handler }

// RoundTrip implements http.RoundTripper.
func (t InProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.Handler.ServeHTTP(rec, req)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}
