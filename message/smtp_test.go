package message

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
)

// received is one mail the test server accepted.
type received struct {
	from, to string
	data     []byte
	tls      bool
	user     string // the AUTH PLAIN username, if any
}

// mailServer is an in-process SMTP server on a loopback port.
type mailServer struct {
	addr string
	mu   sync.Mutex
	mail []received
	// rejectRcpt makes RCPT TO fail with 550.
	rejectRcpt bool
}

type mailSession struct {
	srv  *mailServer
	conn *gosmtp.Conn
	cur  received
}

func (s *mailSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *mailSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != "mailer" || password != "s3cret" {
			return gosmtp.ErrAuthFailed
		}
		s.cur.user = username
		return nil
	}), nil
}
func (s *mailSession) Mail(from string, _ *gosmtp.MailOptions) error { s.cur.from = from; return nil }
func (s *mailSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	if s.srv.rejectRcpt {
		return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	s.cur.to = to
	return nil
}
func (s *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = b
	_, s.cur.tls = s.conn.TLSConnectionState()
	s.srv.mu.Lock()
	s.srv.mail = append(s.srv.mail, s.cur)
	s.srv.mu.Unlock()
	return nil
}
func (s *mailSession) Reset()        {}
func (s *mailSession) Logout() error { return nil }

func (m *mailServer) received() []received {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]received(nil), m.mail...)
}

// startMailServer listens on a loopback port. With cert, it offers STARTTLS (or, implicit,
// speaks TLS from the start); AUTH is offered only over TLS.
func startMailServer(t *testing.T, cert *tls.Certificate, implicit bool) *mailServer {
	return startMailServerWith(t, serverOptions{cert: cert, implicit: implicit})
}

type serverOptions struct {
	cert         *tls.Certificate
	implicit     bool
	insecureAuth bool // offer AUTH without TLS, as a careless server might
	rejectRcpt   bool
}

func startMailServerWith(t *testing.T, o serverOptions) *mailServer {
	t.Helper()
	cert, implicit := o.cert, o.implicit
	ms := &mailServer{rejectRcpt: o.rejectRcpt}
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(c *gosmtp.Conn) (gosmtp.Session, error) {
		return &mailSession{srv: ms, conn: c}, nil
	}))
	srv.Domain = "mail.test"
	srv.AllowInsecureAuth = o.insecureAuth
	srv.ErrorLog = log.New(io.Discard, "", 0) // clients hanging up on purpose are not news
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	var l net.Listener
	var err error
	if cert != nil {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cert}}
	}
	if implicit {
		l, err = tls.Listen("tcp", "127.0.0.1:0", srv.TLSConfig)
	} else {
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	ms.addr = l.Addr().String()
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ms
}

// selfSigned makes a certificate for mail.test and the pool of roots that trusts it.
func selfSigned(t *testing.T) (*tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mail.test"},
		DNSNames:     []string{"mail.test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, roots
}

// dialTo sends every connection to addr, whatever host name the sender asks for, so that the
// sender can verify the certificate of "mail.test".
func dialTo(addr string) func(ctx context.Context, network, _ string) (net.Conn, error) {
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
}

type parsedMail struct {
	header     mail.Header
	subject    string
	text, html string
}

func parseMail(t *testing.T, data []byte) parsedMail {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(string(data)))
	if err != nil {
		t.Fatalf("parse mail: %v\n%s", err, data)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	p := parsedMail{header: msg.Header, subject: subject}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v)", msg.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart() // decodes quoted-printable
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(part)
		if err != nil {
			t.Fatal(err)
		}
		switch ct := part.Header.Get("Content-Type"); ct {
		case "text/plain; charset=utf-8":
			p.text = string(body)
		case "text/html; charset=utf-8":
			p.html = string(body)
		default:
			t.Fatalf("unexpected part %q", ct)
		}
	}
	return p
}

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
	cert, roots := selfSigned(t)
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
			srv := startMailServerWith(t, serverOptions{cert: tt.cert, implicit: tt.implicit, insecureAuth: tt.insecureAuth})
			_, port, _ := net.SplitHostPort(srv.addr)
			senders, err := NewSenders(Config{
				SMTPURL: strings.Replace(tt.url, "%s", port, 1), MailFrom: "Userpool <no-reply@example.com>",
				TLS: &tls.Config{RootCAs: roots}, Dial: dialTo(srv.addr),
			}, nil)
			if err != nil {
				t.Fatal(err)
			}
			m := emailMessage(t, Draft{Values: Values{Code: "314159"}})
			if err := senders.Email.Send(t.Context(), m); err != nil {
				t.Fatalf("Send() = %v", err)
			}
			got := srv.received()
			if len(got) != 1 {
				t.Fatalf("received %d mails", len(got))
			}
			r := got[0]
			if r.from != "no-reply@example.com" || r.to != "ann@example.com" || r.tls != tt.wantTLS || r.user != tt.wantUser {
				t.Fatalf("envelope from %q to %q, tls %v, user %q", r.from, r.to, r.tls, r.user)
			}
			p := parseMail(t, r.data)
			if p.subject != "Your verification code" {
				t.Errorf("subject %q", p.subject)
			}
			if !strings.Contains(p.text, "Your verification code is 314159.") {
				t.Errorf("text part %q lacks the code", p.text)
			}
			if !strings.Contains(p.html, "<strong>314159</strong>") {
				t.Errorf("HTML part %q lacks the code", p.html)
			}
			for name, want := range map[string]string{
				"From": `"Userpool" <no-reply@example.com>`, "To": "<ann@example.com>", "MIME-Version": "1.0",
				"Message-ID": "<" + m.ID + "@example.com>",
			} {
				if got := p.header.Get(name); got != want {
					t.Errorf("%s: %q, want %q", name, got, want)
				}
			}
			if _, err := p.header.Date(); err != nil {
				t.Errorf("Date: %v", err)
			}
		})
	}
}

func TestSMTPHeadersAndOverrides(t *testing.T) {
	srv := startMailServer(t, nil, false)
	s, err := NewSMTP("smtp://"+srv.addr, "no-reply@example.com", nil)
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
	r := srv.received()[0]
	if r.from != "support@pool.example" {
		t.Errorf("envelope from %q", r.from)
	}
	for _, line := range strings.Split(string(r.data), "\r\n") {
		if len(line) > 998 {
			t.Errorf("line longer than 998 octets: %q", line)
		}
	}
	p := parseMail(t, r.data)
	if p.subject != "Bienvenue zoé<b> — votre accès" {
		t.Errorf("subject %q", p.subject)
	}
	if raw := p.header.Get("Subject"); !strings.HasPrefix(raw, "=?utf-8?q?") {
		t.Errorf("non-ASCII subject not RFC 2047 encoded: %q", raw)
	}
	if got := p.header.Get("Reply-To"); got != "<help@pool.example>" {
		t.Errorf("Reply-To %q", got)
	}
	if got := p.header.Get("From"); got != `"Support" <support@pool.example>` {
		t.Errorf("From %q", got)
	}
	if !strings.Contains(p.text, "Utilisateur zoé<b>, mot de passe Tmp=Pass1\r\ntrès long") {
		t.Errorf("text %q", p.text)
	}
	if !strings.Contains(p.html, "Utilisateur zoé&lt;b&gt;, mot de passe Tmp=Pass1<br>") {
		t.Errorf("html %q", p.html)
	}
}

func TestSMTPFailures(t *testing.T) {
	cert, roots := selfSigned(t)
	_, otherRoots := selfSigned(t)
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
			srv := startMailServerWith(t, serverOptions{cert: tt.cert, insecureAuth: tt.insecureAuth, rejectRcpt: tt.reject})
			_, port, _ := net.SplitHostPort(srv.addr)
			senders, err := NewSenders(Config{
				SMTPURL: strings.Replace(tt.url, "%s", port, 1), MailFrom: "no-reply@example.com",
				TLS: &tls.Config{RootCAs: tt.roots}, Dial: dialTo(srv.addr),
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
			if len(srv.received()) != 0 {
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
