package config

import (
	"bytes"
	"encoding/base64"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoad(t *testing.T) {
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want Config
	}{
		{
			name: "defaults",
			want: Config{Listen: "localhost:8080", PublicURL: "http://localhost:8080", DataDir: "./userpool-data",
				DatabaseURL: filepath.Join("userpool-data", "userpool.db"), Region: "local"},
		},
		{
			name: "environment",
			env: map[string]string{"USERPOOL_LISTEN": ":9000", "USERPOOL_PUBLIC_URL": "https://id.example.com/auth/",
				"USERPOOL_DATA_DIR": "/var/lib/up", "USERPOOL_DATABASE_URL": "postgres://u:p@db:5432/up", "USERPOOL_REGION": "eu-west-1"},
			want: Config{Listen: ":9000", PublicURL: "https://id.example.com/auth", DataDir: "/var/lib/up",
				DatabaseURL: "postgres://u:p@db:5432/up", Region: "eu-west-1"},
		},
		{
			name: "flags override environment",
			args: []string{"--listen", "127.0.0.1:1234", "--region=test", "--data-dir", "/d", "--public-url", "http://x:1"},
			env:  map[string]string{"USERPOOL_LISTEN": ":9000", "USERPOOL_REGION": "eu-west-1", "USERPOOL_DATA_DIR": "/e"},
			want: Config{Listen: "127.0.0.1:1234", PublicURL: "http://x:1", DataDir: "/d", DatabaseURL: "/d/userpool.db", Region: "test"},
		},
		{
			name: "sqlite URL",
			args: []string{"--database-url", "sqlite:///tmp/x.db"},
			want: Config{Listen: "localhost:8080", PublicURL: "http://localhost:8080", DataDir: "./userpool-data",
				DatabaseURL: "sqlite:///tmp/x.db", Region: "local"},
		},
		{
			name: "master key and admin pair",
			env: map[string]string{"USERPOOL_MASTER_KEY": key, "USERPOOL_ADMIN_ACCESS_KEY_ID": "AKIAAAAAAAAAAAAAAAAA",
				"USERPOOL_ADMIN_SECRET_ACCESS_KEY": "s3cr3ts3cr3ts3cr3ts3cr3t"},
			want: Config{Listen: "localhost:8080", PublicURL: "http://localhost:8080", DataDir: "./userpool-data",
				DatabaseURL: filepath.Join("userpool-data", "userpool.db"), Region: "local", MasterKey: bytes.Repeat([]byte{7}, 32),
				AdminAccessKeyID: "AKIAAAAAAAAAAAAAAAAA", AdminSecretAccessKey: "s3cr3ts3cr3ts3cr3ts3cr3t"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tt.args, env(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			c.masterKeyEnv = ""
			if c.Listen != tt.want.Listen || c.PublicURL != tt.want.PublicURL || c.DataDir != tt.want.DataDir ||
				c.DatabaseURL != tt.want.DatabaseURL || c.Region != tt.want.Region ||
				!bytes.Equal(c.MasterKey, tt.want.MasterKey) || c.AdminAccessKeyID != tt.want.AdminAccessKeyID ||
				c.AdminSecretAccessKey != tt.want.AdminSecretAccessKey {
				t.Fatalf("got %+v\nwant %+v", *c, tt.want)
			}
		})
	}
}

func TestLoadRejects(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string // a part of the one-line error
	}{
		{"unknown flag", []string{"--nope"}, nil, "flag provided but not defined"},
		{"positional argument", []string{"extra"}, nil, `unexpected argument "extra"`},
		{"listen without port", []string{"--listen", "localhost"}, nil, "--listen (USERPOOL_LISTEN)"},
		{"listen bad port", []string{"--listen", "localhost:http8"}, nil, "--listen"},
		{"listen port too big", []string{"--listen", ":70000"}, nil, "--listen"},
		{"listen from env", nil, map[string]string{"USERPOOL_LISTEN": "nope"}, "USERPOOL_LISTEN"},
		{"public url relative", []string{"--public-url", "/auth"}, nil, "--public-url (USERPOOL_PUBLIC_URL)"},
		{"public url unparsable", []string{"--public-url", "http://[::1"}, nil, "--public-url"},
		{"public url ftp", []string{"--public-url", "ftp://x"}, nil, "http:// or https://"},
		{"public url no host", []string{"--public-url", "http://"}, nil, "must have a host"},
		{"public url query", []string{"--public-url", "http://x/?a=b"}, nil, "must not have a query"},
		{"public url fragment", []string{"--public-url", "http://x/#f"}, nil, "must not have a fragment"},
		{"public url user info", []string{"--public-url", "http://a:b@x/"}, nil, "user info"},
		{"empty data dir", []string{"--data-dir", " "}, nil, "--data-dir"},
		{"region upper case", []string{"--region", "EU"}, nil, "--region (USERPOOL_REGION)"},
		{"region underscore", []string{"--region", "a_b"}, nil, "--region"},
		{"region too long", []string{"--region", strings.Repeat("a", 33)}, nil, "--region"},
		{"database scheme", []string{"--database-url", "mysql://x/y"}, nil, `--database-url (USERPOOL_DATABASE_URL) mysql://x/y: unknown scheme "mysql"`},
		{"postgres without host", []string{"--database-url", "postgres:///db"}, nil, "needs a host"},
		{"empty sqlite path", []string{"--database-url", "sqlite://"}, nil, "path is empty"},
		{"master key not base64", nil, map[string]string{"USERPOOL_MASTER_KEY": "not base64!"}, "USERPOOL_MASTER_KEY: not valid base64"},
		{"master key short", nil, map[string]string{"USERPOOL_MASTER_KEY": base64.StdEncoding.EncodeToString(make([]byte, 16))}, "got 16 bytes"},
		{"admin id without secret", nil, map[string]string{"USERPOOL_ADMIN_ACCESS_KEY_ID": "AKIA"}, "USERPOOL_ADMIN_SECRET_ACCESS_KEY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.args, env(tt.env))
			if err == nil {
				t.Fatal("Load succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q, want one line containing %q", err, tt.want)
			}
		})
	}
}

func TestLoadHelp(t *testing.T) {
	if _, err := Load([]string{"-h"}, env(nil)); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("Load(-h) = %v, want flag.ErrHelp", err)
	}
	var b strings.Builder
	Usage(&b)
	if !strings.Contains(b.String(), "USERPOOL_DATABASE_URL") {
		t.Fatalf("usage lacks the environment variables:\n%s", b.String())
	}
}

func TestRedactionAndDescription(t *testing.T) {
	tests := []struct{ url, describe, redact string }{
		{"postgres://u:secret@db:5432/up?sslmode=disable", "postgres db:5432/up", "postgres://u:xxxxx@db:5432/up?sslmode=disable"},
		{"sqlite:///var/x.db?_pragma=foo", "sqlite /var/x.db", "sqlite:///var/x.db?_pragma=foo"},
		{"file:rel.db", "sqlite rel.db", "file:rel.db"},
		{"data/u.db", "sqlite data/u.db", "data/u.db"},
	}
	for _, tt := range tests {
		if got := DescribeDatabase(tt.url); got != tt.describe {
			t.Errorf("DescribeDatabase(%q) = %q, want %q", tt.url, got, tt.describe)
		}
		if got := RedactDatabaseURL(tt.url); got != tt.redact {
			t.Errorf("RedactDatabaseURL(%q) = %q, want %q", tt.url, got, tt.redact)
		}
	}
}

func TestLoadMasterKey(t *testing.T) {
	dir := t.TempDir()
	c, err := Load([]string{"--data-dir", dir}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	first, err := c.LoadMasterKey()
	if err != nil || len(first) != 32 {
		t.Fatalf("first start: %d bytes, %v", len(first), err)
	}
	st, err := os.Stat(filepath.Join(dir, MasterKeyFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("master.key: %v, mode %v", err, st.Mode())
	}
	again, err := c.LoadMasterKey()
	if err != nil || !bytes.Equal(first, again) {
		t.Fatalf("second start read another key (%v)", err)
	}

	// The environment wins over the file.
	envKey := bytes.Repeat([]byte{1}, 32)
	c2, err := Load([]string{"--data-dir", dir}, env(map[string]string{"USERPOOL_MASTER_KEY": base64.RawURLEncoding.EncodeToString(envKey)}))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c2.LoadMasterKey(); err != nil || !bytes.Equal(got, envKey) {
		t.Fatalf("env key not used: %v", err)
	}

	// A damaged file is a clear error, not a new key.
	if err := os.WriteFile(filepath.Join(dir, MasterKeyFile), []byte("short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := c.LoadMasterKey(); err == nil || !strings.Contains(err.Error(), "master key file") {
		t.Fatalf("damaged file: %v", err)
	}

	// A data dir that does not exist cannot hold a new key.
	c3, _ := Load([]string{"--data-dir", filepath.Join(dir, "missing")}, env(nil))
	if _, err := c3.LoadMasterKey(); err == nil {
		t.Fatal("created a key in a missing directory")
	}
}

func TestMessagingSettings(t *testing.T) {
	env := map[string]string{
		"USERPOOL_SMTP_URL":           "smtp://mailer:hunter2@smtp.example.com:587",
		"USERPOOL_MAIL_FROM":          "Example <no-reply@example.com>",
		"USERPOOL_SMS_WEBHOOK_URL":    "https://sms.example.com/hook",
		"USERPOOL_SMS_WEBHOOK_SECRET": "webhook-s3cret",
	}
	fs := flag.NewFlagSet("userpool", flag.ContinueOnError)
	var help strings.Builder
	fs.SetOutput(&help)
	c := Register(fs, func(k string) string { return env[k] })
	fs.PrintDefaults()
	if strings.Contains(help.String(), "hunter2") || strings.Contains(help.String(), "webhook-s3cret") {
		t.Fatalf("a secret is shown as a flag default:\n%s", help.String())
	}
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	mc := c.MessageConfig()
	if mc.SMTPURL != env["USERPOOL_SMTP_URL"] || mc.MailFrom != env["USERPOOL_MAIL_FROM"] ||
		mc.SMSWebhookURL != env["USERPOOL_SMS_WEBHOOK_URL"] || mc.SMSWebhookSecret != env["USERPOOL_SMS_WEBHOOK_SECRET"] {
		t.Fatalf("MessageConfig() = %+v", mc)
	}
	// A flag overrides a secret's variable too.
	fs = flag.NewFlagSet("userpool", flag.ContinueOnError)
	c = Register(fs, func(k string) string { return env[k] })
	if err := fs.Parse([]string{"--smtp-url", "smtps://smtp.example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil || c.SMTPURL != "smtps://smtp.example.com" {
		t.Fatalf("SMTPURL = %q, %v", c.SMTPURL, err)
	}

	bad := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"USERPOOL_SMTP_URL": "http://u:hunter2@smtp.example.com", "USERPOOL_MAIL_FROM": "a@example.com"}, "scheme must be smtp or smtps"},
		{map[string]string{"USERPOOL_SMTP_URL": "smtp://smtp.example.com"}, "USERPOOL_MAIL_FROM is required"},
		{map[string]string{"USERPOOL_MAIL_FROM": "nobody"}, "--mail-from"},
		{map[string]string{"USERPOOL_SMS_WEBHOOK_URL": "https://sms.example.com"}, "USERPOOL_SMS_WEBHOOK_SECRET is required"},
		{map[string]string{"USERPOOL_SMS_WEBHOOK_SECRET": "x"}, "set only with USERPOOL_SMS_WEBHOOK_URL"},
	}
	for _, tt := range bad {
		_, err := Load(nil, func(k string) string { return tt.env[k] })
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Load(%v) = %v, want an error containing %q", tt.env, err, tt.want)
		}
	}
}
