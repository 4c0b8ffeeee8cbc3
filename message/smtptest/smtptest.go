// Package smtptest runs a real SMTP server (emersion/go-smtp) on a loopback port for tests, with
// optional STARTTLS or implicit TLS and AUTH PLAIN, and parses the mail it receives.
package smtptest

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

// The only credentials the server accepts.
const (
	Username = "mailer"
	Password = "s3cret"
)

// Mail is one mail the server accepted.
type Mail struct {
	From, To string
	Data     []byte
	TLS      bool   // received over TLS
	User     string // the AUTH PLAIN username, if any
}

// Options configure a Server. With Cert, it offers STARTTLS (or, Implicit, speaks TLS from the
// start); AUTH is offered only over TLS unless InsecureAuth.
type Options struct {
	Cert         *tls.Certificate
	Implicit     bool
	InsecureAuth bool // offer AUTH without TLS, as a careless server might
	RejectRcpt   bool // answer RCPT TO with 550
}

// Server is an in-process SMTP server; it stops when the test ends.
type Server struct {
	Addr string // host:port on 127.0.0.1

	rejectRcpt bool
	mu         sync.Mutex
	mail       []Mail
	arrived    chan struct{}
}

// Start starts a server for the test.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	ms := &Server{rejectRcpt: o.RejectRcpt, arrived: make(chan struct{}, 1000)}
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(c *gosmtp.Conn) (gosmtp.Session, error) {
		return &session{srv: ms, conn: c}, nil
	}))
	srv.Domain = "mail.test"
	srv.AllowInsecureAuth = o.InsecureAuth
	srv.ErrorLog = log.New(io.Discard, "", 0) // clients hanging up on purpose are not news
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	if o.Cert != nil {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*o.Cert}}
	}
	var l net.Listener
	var err error
	if o.Implicit {
		l, err = tls.Listen("tcp", "127.0.0.1:0", srv.TLSConfig)
	} else {
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	ms.Addr = l.Addr().String()
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ms
}

// Received returns the mail accepted so far.
func (s *Server) Received() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mail...)
}

// Wait waits until n mails have arrived in all, or ctx ends, and returns what arrived.
func (s *Server) Wait(ctx context.Context, n int) []Mail {
	for {
		if got := s.Received(); len(got) >= n {
			return got
		}
		select {
		case <-s.arrived:
		case <-ctx.Done():
			return s.Received()
		}
	}
}

type session struct {
	srv  *Server
	conn *gosmtp.Conn
	cur  Mail
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != Username || password != Password {
			return gosmtp.ErrAuthFailed
		}
		s.cur.User = username
		return nil
	}), nil
}
func (s *session) Mail(from string, _ *gosmtp.MailOptions) error { s.cur.From = from; return nil }
func (s *session) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	if s.srv.rejectRcpt {
		return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	s.cur.To = to
	return nil
}
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.Data = b
	_, s.cur.TLS = s.conn.TLSConnectionState()
	s.srv.mu.Lock()
	s.srv.mail = append(s.srv.mail, s.cur)
	s.srv.mu.Unlock()
	s.srv.arrived <- struct{}{}
	return nil
}
func (s *session) Reset()        {}
func (s *session) Logout() error { return nil }

// SelfSigned makes a certificate for mail.test and the pool of roots that trusts it.
func SelfSigned(t testing.TB) (*tls.Certificate, *x509.CertPool) {
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

// DialTo sends every connection to addr, whatever host name the sender asks for, so that the
// sender can verify the certificate of "mail.test".
func DialTo(addr string) func(ctx context.Context, network, _ string) (net.Conn, error) {
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
}

// Parsed is a received multipart/alternative mail: its header, decoded subject and parts.
type Parsed struct {
	Header     mail.Header
	Subject    string
	Text, HTML string
}

// Parse parses data, failing the test unless it is multipart/alternative with text/plain and
// text/html parts.
func Parse(t testing.TB, data []byte) Parsed {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(string(data)))
	if err != nil {
		t.Fatalf("parse mail: %v\n%s", err, data)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	p := Parsed{Header: msg.Header, Subject: subject}
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
			p.Text = string(body)
		case "text/html; charset=utf-8":
			p.HTML = string(body)
		default:
			t.Fatalf("unexpected part %q", ct)
		}
	}
	return p
}
