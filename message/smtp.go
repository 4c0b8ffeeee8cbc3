package message

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strings"
	"time"
)

// SMTP sends email through an SMTP server. On smtp:// it upgrades with STARTTLS whenever the
// server offers it; smtps:// is TLS from the first byte. Credentials are sent (AUTH PLAIN) only
// over TLS or to localhost, so a server that does not offer STARTTLS cannot learn them.
type SMTP struct {
	Host        string // for TLS verification and AUTH
	Addr        string // host:port
	ImplicitTLS bool
	Username    string
	Password    string
	From        string // default From address; a message's From overrides it
	TLS         *tls.Config
	Dial        func(ctx context.Context, network, addr string) (net.Conn, error)
	Now         func() time.Time
}

// smtpTimeout bounds one conversation when the context has no earlier deadline.
const smtpTimeout = 30 * time.Second

// NewSMTP returns a sender for rawURL (smtp://[user:pass@]host[:port], default port 587, or
// smtps://..., default port 465) sending from from.
func NewSMTP(rawURL, from string, tlsConfig *tls.Config) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("USERPOOL_SMTP_URL is not a valid URL: %w", urlErrorCause(err))
	}
	s := &SMTP{Host: u.Hostname(), TLS: tlsConfig, Now: time.Now}
	port := u.Port()
	switch u.Scheme {
	case "smtp":
		if port == "" {
			port = "587"
		}
	case "smtps":
		s.ImplicitTLS = true
		if port == "" {
			port = "465"
		}
	default:
		return nil, fmt.Errorf("USERPOOL_SMTP_URL %q: scheme must be smtp or smtps", u.Redacted())
	}
	if s.Host == "" {
		return nil, fmt.Errorf("USERPOOL_SMTP_URL %q: missing host", u.Redacted())
	}
	s.Addr = net.JoinHostPort(s.Host, port)
	if u.User != nil {
		s.Username = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	if from == "" {
		return nil, errors.New("USERPOOL_MAIL_FROM is required with USERPOOL_SMTP_URL")
	}
	if _, err := mail.ParseAddress(from); err != nil {
		return nil, fmt.Errorf("USERPOOL_MAIL_FROM %q: %w", from, err)
	}
	s.From = from
	return s, nil
}

// urlErrorCause drops the URL from a url.Parse error: it may hold a password.
func urlErrorCause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func (s *SMTP) tlsConfig() *tls.Config {
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.TLS != nil {
		c = s.TLS.Clone()
	}
	if c.ServerName == "" {
		c.ServerName = s.Host
	}
	return c
}

// Send delivers m in one SMTP conversation. A recipient or content refused with a 5xx reply is
// a permanent failure; everything else (connection, TLS, AUTH, 4xx) is retried.
func (s *SMTP) Send(ctx context.Context, m *Message) error {
	from := s.From
	if m.From != "" {
		from = m.From
	}
	data, envelopeFrom, err := buildEmail(m, from, s.Now())
	if err != nil {
		return Permanent(fmt.Errorf("smtp: %w", err))
	}
	if err := s.converse(ctx, envelopeFrom, m.Destination, data); err != nil {
		return fmt.Errorf("smtp %s: %w", s.Addr, err)
	}
	return nil
}

func (s *SMTP) converse(ctx context.Context, from, to string, data []byte) error {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(smtpTimeout)
	}
	dial := s.Dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	conn, err := dial(ctx, "tcp", s.Addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(deadline)
	// Cancelling ctx interrupts whatever read or write is in progress.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if s.ImplicitTLS {
		conn = tls.Client(conn, s.tlsConfig())
	}
	c, err := smtp.NewClient(conn, s.Host)
	if err != nil {
		return err
	}
	defer c.Close()
	if !s.ImplicitTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tlsConfig()); err != nil {
				return fmt.Errorf("starttls: %w", err)
			}
		}
	}
	if s.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return errors.New("the server offers no AUTH (over this connection) but USERPOOL_SMTP_URL has credentials")
		}
		// PlainAuth itself refuses to send the password without TLS unless the host is localhost.
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, s.Host)); err != nil {
			return fmt.Errorf("auth: %w", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return fmt.Errorf("mail from: %w", err)
	}
	if err := c.Rcpt(to); err != nil {
		return permanentIf5xx(fmt.Errorf("rcpt to: %w", err))
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("data: %w", err)
	}
	if err := w.Close(); err != nil {
		return permanentIf5xx(fmt.Errorf("data: %w", err))
	}
	if err := c.Quit(); err != nil {
		return fmt.Errorf("quit: %w", err) // the message was accepted; a QUIT failure still counts
	}
	return nil
}

func permanentIf5xx(err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return Permanent(err)
	}
	return err
}

// buildEmail renders m as a multipart/alternative RFC 5322 message from from, and returns it with
// the envelope sender.
func buildEmail(m *Message, from string, now time.Time) ([]byte, string, error) {
	fromAddr, err := mail.ParseAddress(from)
	if err != nil {
		return nil, "", fmt.Errorf("from address %q: %w", from, err)
	}
	toAddr, err := mail.ParseAddress(m.Destination)
	if err != nil {
		return nil, "", fmt.Errorf("recipient %q: %w", m.Destination, err)
	}
	var b bytes.Buffer
	header := func(name, value string) { b.WriteString(name + ": " + value + "\r\n") }
	header("From", fromAddr.String())
	header("To", toAddr.String())
	if m.ReplyTo != "" {
		replyTo, err := mail.ParseAddress(m.ReplyTo)
		if err != nil {
			return nil, "", fmt.Errorf("reply-to address %q: %w", m.ReplyTo, err)
		}
		header("Reply-To", replyTo.String())
	}
	// Encoded words are folded onto continuation lines to keep long non-ASCII subjects legal.
	header("Subject", strings.ReplaceAll(mime.QEncoding.Encode("utf-8", oneLine(m.Content.Subject)), "?= =?", "?=\r\n =?"))
	header("Date", now.Format(time.RFC1123Z))
	// The outbox id makes retries of one message carry one Message-ID, so receivers can dedupe.
	domain := fromAddr.Address[strings.LastIndexByte(fromAddr.Address, '@')+1:]
	header("Message-ID", "<"+m.ID+"@"+domain+">")
	header("MIME-Version", "1.0")
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	header("Content-Type", `multipart/alternative; boundary="`+mw.Boundary()+`"`)
	b.WriteString("\r\n")
	for _, part := range []struct{ typ, text string }{{"text/plain", m.Content.Text}, {"text/html", m.Content.HTML}} {
		pw, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.typ + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, "", err
		}
		qp := quotedprintable.NewWriter(pw)
		if _, err := qp.Write([]byte(part.text)); err != nil {
			return nil, "", err
		}
		if err := qp.Close(); err != nil {
			return nil, "", err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, "", err
	}
	b.Write(body.Bytes())
	return b.Bytes(), fromAddr.Address, nil
}
