package message

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
)

// Config says where messages go. With neither SMTPURL nor SMSWebhookURL set, every message goes
// to the dev outbox (the log).
type Config struct {
	SMTPURL          string // USERPOOL_SMTP_URL: smtp://[user:pass@]host[:port] or smtps://...
	MailFrom         string // USERPOOL_MAIL_FROM: the default From address
	SMSWebhookURL    string // USERPOOL_SMS_WEBHOOK_URL
	SMSWebhookSecret string // USERPOOL_SMS_WEBHOOK_SECRET: the key of the webhook signature

	// TLS, when set, is used for SMTP's TLS (tests give it their own RootCAs).
	TLS *tls.Config
	// Dial, when set, replaces the SMTP client's dialer (tests point host names at a loopback port).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Senders are the senders for each channel, and whether each really delivers.
type Senders struct {
	Email, SMS         Sender
	Trigger            Sender // the trigger webhooks (package trigger); nil: trigger events fail
	EmailLive, SMSLive bool   // false: the channel goes to the dev outbox
}

// For returns the sender of channel ch, or nil.
func (s Senders) For(ch Channel) Sender {
	switch ch {
	case Email:
		return s.Email
	case SMS:
		return s.SMS
	case Trigger:
		return s.Trigger
	}
	return nil
}

// NewSenders picks the senders cfg configures; a channel without a configured sender goes to
// the dev outbox, which logs through logger. The server warns at start-up unless both channels
// are live.
func NewSenders(cfg Config, logger *slog.Logger) (Senders, error) {
	dev := DevOutbox{Logger: logger}
	s := Senders{Email: dev, SMS: dev}
	if cfg.SMTPURL != "" {
		smtp, err := NewSMTP(cfg.SMTPURL, cfg.MailFrom, cfg.TLS)
		if err != nil {
			return Senders{}, err
		}
		smtp.Dial = cfg.Dial
		s.Email, s.EmailLive = smtp, true
	}
	if cfg.SMSWebhookURL != "" {
		sms, err := NewSMSWebhook(cfg.SMSWebhookURL, cfg.SMSWebhookSecret)
		if err != nil {
			return Senders{}, err
		}
		s.SMS, s.SMSLive = sms, true
	}
	return s, nil
}

// DevOutbox "delivers" messages by logging them, code included, for development without a mail
// server or SMS gateway. It is the one place where codes appear in the log.
type DevOutbox struct {
	Logger *slog.Logger
}

// Send logs m at INFO.
func (d DevOutbox) Send(ctx context.Context, m *Message) error {
	logger := d.Logger
	if logger == nil {
		logger = slog.Default()
	}
	attrs := []any{"message_id", m.ID, "pool_id", m.PoolID, "type", m.Type, "channel", m.Channel, "to", m.Destination}
	if m.Channel == SMS {
		attrs = append(attrs, "sms", m.Content.SMS)
	} else {
		attrs = append(attrs, "subject", m.Content.Subject, "text", m.Content.Text)
	}
	logger.InfoContext(ctx, fmt.Sprintf("dev outbox: %s message to %s (not delivered: no %s sender configured)", m.Type, m.Destination, m.Channel), attrs...)
	return nil
}
