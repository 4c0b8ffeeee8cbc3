package httpx

import "net/http"

// SecurityHeaders sets the headers every response should carry: no MIME sniffing, no framing by
// other sites, no referrer leaking pool ids or codes in URLs. Pages that need a stricter policy
// (a Content-Security-Policy) set it themselves.
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}
