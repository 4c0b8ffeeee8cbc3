package main

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/userpool/userpool/message/smtptest"
)

func TestServeDeliversMail(t *testing.T) {
	// A local catcher with AUTH over plain text, which the sender allows only to localhost.
	mail := smtptest.Start(t, smtptest.Options{InsecureAuth: true})
	_, port, _ := net.SplitHostPort(mail.Addr)
	dataDir := filepath.Join(t.TempDir(), "data")
	s := startServer(t, dataDir, []string{"USERPOOL_SMTP_URL=smtp://" + smtptest.Username + ":" + smtptest.Password + "@localhost:" + port,
		"USERPOOL_MAIL_FROM=Userpool <no-reply@example.com>"})
	logs := s.stderr.String()
	if strings.Contains(logs, smtptest.Password) {
		t.Fatalf("the SMTP password was logged:\n%s", logs)
	}
	if strings.Contains(logs, "email delivery is off") || !strings.Contains(logs, "SMS delivery is off") {
		t.Fatalf("start-up warnings:\n%s", logs)
	}
	env := []string{"USERPOOL_ENDPOINT=" + s.url, "USERPOOL_DATA_DIR=" + dataDir}
	poolID := ok(t, env, "pools", "create", "--name", "mail", "--invite-email-subject", "Welcome",
		"--email-from", "Example <hello@example.com>")["UserPool"].(map[string]any)["Id"].(string)
	ok(t, env, "users", "create", "--pool", poolID, "--username", "ann", "--attr", "email=ann@example.com",
		"--temporary-password", "Temp-Passw0rd!", "--delivery", "EMAIL")

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute) // a bound on a hang, not a timing check
	defer cancel()
	got := mail.Wait(ctx, 1)
	if len(got) != 1 || got[0].To != "ann@example.com" || got[0].From != "hello@example.com" || got[0].User != smtptest.Username {
		t.Fatalf("received %+v\n%s", got, s.stderr)
	}
	p := smtptest.Parse(t, got[0].Data)
	if p.Subject != "Welcome" || !strings.Contains(p.Text, "Temp-Passw0rd!") {
		t.Fatalf("mail %q %q", p.Subject, p.Text)
	}

	// The operator's log, redacted, once the worker has recorded the delivery.
	var entry map[string]any
	for ctx.Err() == nil {
		msgs, _ := ok(t, env, "messages", "list", "--pool", poolID)["Messages"].([]any)
		if len(msgs) == 1 && msgs[0].(map[string]any)["Status"] == "sent" {
			entry = msgs[0].(map[string]any)
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if entry == nil || entry["Destination"] != "ann@example.com" || strings.Contains(entry["Body"].(string), "Temp-Passw0rd!") {
		t.Fatalf("message log entry %v", entry)
	}
	r := cli(t, env, "messages", "list", "--pool", poolID, "--output", "table")
	if r.code != 0 || !strings.Contains(r.stdout, "ann@example.com") || !strings.Contains(r.stdout, "sent") {
		t.Fatalf("messages list --output table: %d %s %s", r.code, r.stdout, r.stderr)
	}
	fails(t, env, "InvalidParameterException", "messages", "list", "--pool", poolID, "--status", "lost")
	if err := s.stop(t); err != nil {
		t.Fatalf("stop: %v\n%s", err, s.stderr)
	}
}

func TestServeWarnsWithoutDelivery(t *testing.T) {
	s := startServer(t, t.TempDir(), nil)
	logs := s.stderr.String()
	for _, want := range []string{"email delivery is off", "SMS delivery is off", "dev outbox"} {
		if !strings.Contains(logs, want) {
			t.Errorf("start-up log lacks %q:\n%s", want, logs)
		}
	}
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}
}
