package message_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/userpool/userpool/webhook"
)

// An adapter from the SMS webhook to Twilio's Messages API: it checks the signature, then
// forwards the text. Run it beside userpool with USERPOOL_SMS_WEBHOOK_URL pointing at it and
// the same whsec_ secret in USERPOOL_SMS_WEBHOOK_SECRET.
func Example_twilioAdapter() {
	secret := os.Getenv("USERPOOL_SMS_WEBHOOK_SECRET")
	sid, token, from := os.Getenv("TWILIO_ACCOUNT_SID"), os.Getenv("TWILIO_AUTH_TOKEN"), os.Getenv("TWILIO_FROM")
	http.HandleFunc("POST /sms", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
		if err != nil || webhook.Verify(secret, r.Header, body, time.Now(), 5*time.Minute) != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var sms struct{ To, Body string }
		if err := json.Unmarshal(body, &sms); err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		form := url.Values{"To": {sms.To}, "From": {from}, "Body": {sms.Body}}
		req, _ := http.NewRequestWithContext(r.Context(), http.MethodPost,
			"https://api.twilio.com/2010-04-01/Accounts/"+sid+"/Messages.json", strings.NewReader(form.Encode()))
		req.SetBasicAuth(sid, token)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway) // userpool retries
			return
		}
		defer resp.Body.Close()
		w.WriteHeader(resp.StatusCode) // 2xx: sent; 4xx: userpool gives up; 5xx: it retries
	})
	// log.Fatal(http.ListenAndServe("localhost:9000", nil))
}
