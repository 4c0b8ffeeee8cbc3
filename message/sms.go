package message

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/userpool/userpool/webhook"
)

// SMSWebhook sends text messages as a signed JSON POST to an HTTP gateway:
//
//	{"message_id": "...", "to": "+12065550100", "body": "Your code is 123456", "pool_id": "local_abc", "message_type": "verification"}
//
// signed as the triggers are (package webhook), with the message's id as webhook-id so that a
// retry carries the same id. Any 2xx answer is delivery; a 4xx other than 408 and 429 is a
// permanent failure; anything else is retried, so a gateway should de-duplicate on message_id.
type SMSWebhook struct {
	URL    string
	Key    []byte // the signing key (see smsKey)
	Client *http.Client
	Now    func() time.Time
}

// NewSMSWebhook returns a sender posting to rawURL, signing with secret.
func NewSMSWebhook(rawURL, secret string) (*SMSWebhook, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("USERPOOL_SMS_WEBHOOK_URL is not a valid URL: %w", urlErrorCause(err))
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("USERPOOL_SMS_WEBHOOK_URL %q: expected an http:// or https:// URL", u.Redacted())
	}
	if secret == "" {
		return nil, fmt.Errorf("USERPOOL_SMS_WEBHOOK_SECRET is required with USERPOOL_SMS_WEBHOOK_URL: the gateway checks the signature made with it")
	}
	key, err := smsKey(secret)
	if err != nil {
		return nil, err
	}
	return &SMSWebhook{
		URL:    rawURL,
		Key:    key,
		Client: &http.Client{Timeout: 10 * time.Second},
		Now:    time.Now,
	}, nil
}

// smsKey returns the key that secret names. A whsec_ secret stands for its decoded bytes, so
// that a gateway verifies with the same string in any Standard Webhooks library; any other
// secret (such as one set before the SMS webhook signed this way) is its own bytes.
func smsKey(secret string) ([]byte, error) {
	if !strings.HasPrefix(secret, webhook.SecretPrefix) {
		return []byte(secret), nil
	}
	key, err := webhook.ParseSecret(secret)
	if err != nil {
		return nil, fmt.Errorf("USERPOOL_SMS_WEBHOOK_SECRET starts with %s but is not a Standard Webhooks secret: %w", webhook.SecretPrefix, err)
	}
	return key, nil
}

type smsPayload struct {
	MessageID   string `json:"message_id"`
	To          string `json:"to"`
	Body        string `json:"body"`
	PoolID      string `json:"pool_id"`
	MessageType Type   `json:"message_type"`
}

// Send posts m to the gateway.
func (s *SMSWebhook) Send(ctx context.Context, m *Message) error {
	body, err := json.Marshal(smsPayload{MessageID: m.ID, To: m.Destination, Body: m.Content.SMS, PoolID: m.PoolID, MessageType: m.Type})
	if err != nil {
		return fmt.Errorf("sms webhook: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("sms webhook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "userpool")
	webhook.Sign(req.Header, [][]byte{s.Key}, m.ID, s.Now(), body)
	resp, err := s.Client.Do(req)
	if err != nil {
		return fmt.Errorf("sms webhook: %w", err)
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	err = fmt.Errorf("sms webhook answered %s: %s", resp.Status, bytes.TrimSpace(reply))
	if resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusRequestTimeout && resp.StatusCode != http.StatusTooManyRequests {
		return Permanent(err)
	}
	return err
}
