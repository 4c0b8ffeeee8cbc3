package httpx

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// WriteJSON writes v as a JSON response with the given status and content type
// ("application/json" when contentType is ""). It encodes before writing the header, so an
// unencodable value is returned as an error instead of producing half a response.
func WriteJSON(w http.ResponseWriter, status int, contentType string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if contentType == "" {
		contentType = "application/json"
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, err = w.Write(b)
	return err
}
