package message

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/userpool/userpool/message/smtptest"
)

func emailMessage(t *testing.T, d Draft) *Message {
	t.Helper()
	d.PoolID, d.Channel = "local_abc", Email
	if d.Destination == "" {
		d.Destination = "ann@example.com"
	}
	if d.Type == "" {
		d.Type = Verification
	}
	m, err := New(Defaults(), d, testEpoch)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSMTPDelivers(t *testing.T) {
	cert, roots := smtptest.SelfSigned(t)
	tests := []struct {
		name         string
		cert         *tls.Certificate
		implicit     bool
		insecureAuth bool
		url          string // %s: the server's port
		wantTLS      bool
		wantUser     string
	}{
		{"STARTTLS with AUTH PLAIN", cert, false, false, "smtp://mailer:s3cret@mail.test:%s", true, "mailer"},
		{"STARTTLS without credentials", cert, false, false, "smtp://mail.test:%s", true, ""},
		{"implicit TLS (smtps)", cert, true, false, "smtps://mailer:s3cret@mail.test:%s", true, "mailer"},
		{"plain local catcher", nil, false, false, "smtp://mail.test:%s", false, ""},
		{"AUTH without TLS to localhost", nil, false, true, "smtp://mailer:s3cret@localhost:%s", false, "mailer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.Start(t, smtptest.Options{Cert: tt.cert, Implicit: tt.implicit, InsecureAuth: tt.insecureAuth})
			_, port, _ := net.SplitHostPort(srv.Addr)
			senders, err := NewSenders(Config{
				SMTPURL: strings.Replace(tt.url, "%s", port, 1), MailFrom: "Userpool <no-reply@example.com>",
				TLS: &tls.Config{RootCAs: roots}, Dial: smtptest.DialTo(srv.Addr),
			}, nil)
			if err != nil {
				t.Fatal(err)
			}
			m := emailMessage(t, Draft{Values: Values{Code: "314159"}})
			if err := senders.Email.Send(t.Context(), m); err != nil {
				t.Fatalf("Send() = %v", err)
			}
			got := srv.Received()
			if len(got) != 1 {
				t.Fatalf("received %d mails", len(got))
			}
			r := got[0]
			if r.From != "no-reply@example.com" || r.To != "ann@example.com" || r.TLS != tt.wantTLS || r.User != tt.wantUser {
				t.Fatalf("envelope from %q to %q, tls %v, user %q", r.From, r.To, r.TLS, r.User)
			}
			p := smtptest.Parse(t, r.Data)
			if p.Subject != "Your verification code" {
				t.Errorf("subject %q", p.Subject)
			}
			if !strings.Contains(p.Text, "Your verification code is 314159.") {
				t.Errorf("text part %q lacks the code", p.Text)
			}
			if !strings.Contains(p.HTML, "<strong>314159</strong>") {
				t.Errorf("HTML part %q lacks the code", p.HTML)
			}
			for name, want := range map[string]string{
				"From": `"Userpool" <no-reply@example.com>`, "To": "<ann@example.com>", "MIME-Version": "1.0",
				"Message-ID": "<" + m.ID + "@example.com>",
			} {
				if got := p.Header.Get(name); got != want {
					t.Errorf("%s: %q, want %q", name, got, want)
				}
			}
			if _, err := p.Header.Date(); err != nil {
				t.Errorf("Date: %v", err)
			}
		})
	}
}

func TestSMTPHeadersAndOverrides(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	s, err := NewSMTP("smtp://"+srv.Addr, "no-reply@example.com", nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := Templates{Invitation: Template{
		EmailSubject: "Bienvenue {username} — votre accès",
		EmailText:    "Utilisateur {username}, mot de passe {####}\n" + strings.Repeat("très long ", 20),
		SMS:          "{username} {####}",
	}}.WithDefaults()
	m, err := New(ts, Draft{
		PoolID: "local_abc", Type: Invitation, Channel: Email, Destination: "zoe@example.com",
		From: "Support <support@pool.example>", ReplyTo: "help@pool.example",
		Values: Values{Code: "Tmp=Pass1", Username: "zoé<b>"},
	}, testEpoch)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(t.Context(), m); err != nil {
		t.Fatalf("Send() = %v", err)
	}
	r := srv.Received()[0]
	if r.From != "support@pool.example" {
		t.Errorf("envelope from %q", r.From)
	}
	for _, line := range strings.Split(string(r.Data), "\r\n") {
		if len(line) > 998 {
			t.Errorf("line longer than 998 octets: %q", line)
		}
	}
	p := smtptest.Parse(t, r.Data)
	if p.Subject != "Bienvenue zoé<b> — votre accès" {
		t.Errorf("subject %q", p.Subject)
	}
	if raw := p.Header.Get("Subject"); !strings.HasPrefix(raw, "=?utf-8?q?") {
		t.Errorf("non-ASCII subject not RFC 2047 encoded: %q", raw)
	}
	if got := p.Header.Get("Reply-To"); got != "<help@pool.example>" {
		t.Errorf("Reply-To %q", got)
	}
	if got := p.Header.Get("From"); got != `"Support" <support@pool.example>` {
		t.Errorf("From %q", got)
	}
	if !strings.Contains(p.Text, "Utilisateur zoé<b>, mot de passe Tmp=Pass1\r\ntrès long") {
		t.Errorf("text %q", p.Text)
	}
	if !strings.Contains(p.HTML, "Utilisateur zoé&lt;b&gt;, mot de passe Tmp=Pass1<br>") {
		t.Errorf("html %q", p.HTML)
	}
}

func TestSMTPFailures(t *testing.T) {
	cert, roots := smtptest.SelfSigned(t)
	_, otherRoots := smtptest.SelfSigned(t)
	tests := []struct {
		name         string
		cert         *tls.Certificate
		insecureAuth bool
		roots        *x509.CertPool
		url          string
		reject       bool
		want         string
		permanent    bool
	}{
		{"no AUTH offered without TLS", nil, false, roots, "smtp://mailer:s3cret@mail.test:%s", false, "offers no AUTH", false},
		{"credentials are not sent in clear to a remote host", nil, true, roots, "smtp://mailer:s3cret@mail.test:%s", false, "unencrypted connection", false},
		{"untrusted certificate", cert, false, otherRoots, "smtp://mail.test:%s", false, "starttls", false},
		{"wrong password", cert, false, roots, "smtp://mailer:wrong@mail.test:%s", false, "auth", false},
		{"recipient rejected", cert, false, roots, "smtp://mail.test:%s", true, "550", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.Start(t, smtptest.Options{Cert: tt.cert, InsecureAuth: tt.insecureAuth, RejectRcpt: tt.reject})
			_, port, _ := net.SplitHostPort(srv.Addr)
			senders, err := NewSenders(Config{
				SMTPURL: strings.Replace(tt.url, "%s", port, 1), MailFrom: "no-reply@example.com",
				TLS: &tls.Config{RootCAs: tt.roots}, Dial: smtptest.DialTo(srv.Addr),
			}, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = senders.Email.Send(t.Context(), emailMessage(t, Draft{Values: Values{Code: "1"}}))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Send() = %v, want an error containing %q", err, tt.want)
			}
			var perm *permanentError
			if errors.As(err, &perm) != tt.permanent {
				t.Fatalf("Send() = %v, permanent %v, want %v", err, !tt.permanent, tt.permanent)
			}
			if len(srv.Received()) != 0 {
				t.Fatal("a mail was delivered")
			}
		})
	}
}

func TestSMTPUnreachableIsRetried(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens here now
	s, err := NewSMTP("smtp://"+addr, "no-reply@example.com", nil)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(t.Context(), emailMessage(t, Draft{Values: Values{Code: "1"}}))
	var perm *permanentError
	if err == nil || errors.As(err, &perm) {
		t.Fatalf("Send() = %v, want a retryable error", err)
	}
}
