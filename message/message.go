// Package message renders the codes and notices a pool sends (verification, invitation, password
// reset, attribute verification, MFA) from per-pool templates, keeps them in a durable outbox and
// delivers them by email (SMTP), SMS (a signed HTTP webhook) or, in development, to the log.
package message

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"
)

// Channel is how a message travels.
type Channel string

const (
	Email Channel = "email"
	SMS   Channel = "sms"
	// Trigger carries the event of a non-blocking trigger (package trigger): Destination names
	// the trigger, Type is the event's triggerSource and Content.Text the event JSON.
	Trigger Channel = "trigger"
)

// Type is why a message is sent; each type has its own template.
type Type string

const (
	Verification          Type = "verification"
	Invitation            Type = "invitation"
	ResetPassword         Type = "reset_password"
	AttributeVerification Type = "attribute_verification"
	MFA                   Type = "mfa"
)

// Types lists every message type, in a stable order.
var Types = []Type{Verification, Invitation, ResetPassword, AttributeVerification, MFA}

// Status is where a message is in the outbox.
type Status string

const (
	Pending Status = "pending"
	Sent    Status = "sent"
	Failed  Status = "failed"
)

// Content is a rendered message: Subject, Text and HTML for email, SMS for text messages.
type Content struct {
	Subject string `json:"subject,omitempty"`
	Text    string `json:"text,omitempty"`
	HTML    string `json:"html,omitempty"`
	SMS     string `json:"sms,omitempty"`
}

// Message is one entry of the outbox. Content holds the code (or temporary password) in clear
// only until the message is delivered or given up; then the store replaces it with Redacted, in
// which every secret reads "******", so the operator's message log never shows a usable code.
type Message struct {
	ID          string
	PoolID      string
	Channel     Channel
	Destination string // an email address or an E.164 phone number
	Type        Type
	// From and ReplyTo override the server's mail From address for this message (the pool's
	// EmailConfiguration); empty means the default.
	From    string
	ReplyTo string

	Content  Content
	Redacted Content

	Status        Status
	Attempts      int // failed delivery attempts so far
	NextAttemptAt time.Time
	LastError     string
	CreatedAt     time.Time
	SentAt        time.Time // zero until sent
}

// Redaction replaces secrets in the redacted copy of a message.
const Redaction = "******"

// newID returns a random 128-bit hex id: unique across processes without coordination.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// Retryable reports whether an operator may send a failed message again. Only a message
// without secrets can be: giving up replaced a code or temporary password with Redaction, and
// sending that placeholder helps nobody (the operator sends a new code instead).
func (m *Message) Retryable() bool {
	if m.Status != Failed {
		return false
	}
	for _, s := range []string{m.Content.Subject, m.Content.Text, m.Content.HTML, m.Content.SMS} {
		if strings.Contains(s, Redaction) {
			return false
		}
	}
	return true
}
