// Package config reads the server's settings from flags and environment variables and
// validates them, so that a bad setting stops start-up with one line naming it.
package config

import (
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/mail"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/userpool/userpool/message"
	"github.com/userpool/userpool/seal"
)

// Config is the server's configuration.
type Config struct {
	Listen      string // host:port to listen on
	PublicURL   string // absolute http(s) URL without a trailing slash; issuers and links start with it
	DataDir     string // holds the SQLite database, master.key and admin-credentials
	DatabaseURL string // postgres://..., sqlite://PATH, file:PATH or a plain SQLite file path
	Region      string // prefix of pool ids

	// MasterKey is the decoded USERPOOL_MASTER_KEY, nil when unset (then LoadMasterKey uses
	// the data dir's master.key).
	MasterKey []byte

	// AdminAccessKeyID and AdminSecretAccessKey become the first admin access key when set.
	AdminAccessKeyID     string
	AdminSecretAccessKey string

	// NoDemo turns off the demo app at /demo (--no-demo, USERPOOL_NO_DEMO=1).
	NoDemo bool
	// TriggersAllowPrivateNetworks lets triggers call loopback and private addresses
	// (--triggers-allow-private-networks, USERPOOL_TRIGGERS_ALLOW_PRIVATE_NETWORKS=true).
	TriggersAllowPrivateNetworks bool

	// Message delivery; see message.Config. SMTPURL may hold a password and SMSWebhookSecret is
	// one: neither is ever logged or shown as a flag default.
	SMTPURL          string
	MailFrom         string
	SMSWebhookURL    string
	SMSWebhookSecret string

	masterKeyEnv string
	secretEnv    map[string]string // secret settings from the environment, applied by Validate
}

// Defaults.
const (
	DefaultListen    = "localhost:8080"
	DefaultPublicURL = "http://localhost:8080"
	DefaultDataDir   = "./userpool-data"
	DefaultRegion    = "local"
	// DatabaseFile is the SQLite file in the data dir used when no database URL is given.
	DatabaseFile = "userpool.db"
)

// setting describes one flag with its environment variable, for flags and error messages. A
// secret setting's environment value is not shown as the flag's default.
type setting struct {
	flag, env, def, usage string
	dst                   *string
	secret                bool
}

func (c *Config) settings() []setting {
	return []setting{
		{"listen", "USERPOOL_LISTEN", DefaultListen, "address to listen on (host:port)", &c.Listen, false},
		{"public-url", "USERPOOL_PUBLIC_URL", DefaultPublicURL, "public base URL; issuers and links are built from it", &c.PublicURL, false},
		{"data-dir", "USERPOOL_DATA_DIR", DefaultDataDir, "directory for the SQLite database, master.key and admin-credentials", &c.DataDir, false},
		{"database-url", "USERPOOL_DATABASE_URL", "", "database: postgres://... for PostgreSQL (default: SQLite file " + DatabaseFile + " in the data dir)", &c.DatabaseURL, false},
		{"region", "USERPOOL_REGION", DefaultRegion, "region, the prefix of pool ids", &c.Region, false},
		{"smtp-url", "USERPOOL_SMTP_URL", "", "SMTP server for email: smtp://[user:pass@]host[:port] (STARTTLS when offered) or smtps://... (default: email goes to the dev outbox, the log)", &c.SMTPURL, true},
		{"mail-from", "USERPOOL_MAIL_FROM", "", "From address of email, required with --smtp-url", &c.MailFrom, false},
		{"sms-webhook-url", "USERPOOL_SMS_WEBHOOK_URL", "", "HTTP gateway that receives text messages as signed JSON POSTs (default: texts go to the dev outbox, the log)", &c.SMSWebhookURL, false},
		{"sms-webhook-secret", "USERPOOL_SMS_WEBHOOK_SECRET", "", "key of the SMS webhook's HMAC-SHA256 signature, required with --sms-webhook-url", &c.SMSWebhookSecret, true},
	}
}

// Register defines the server's flags on fs, with defaults taken from the environment (read
// through getenv), so that a flag given on the command line overrides its variable. Call
// Validate after fs.Parse.
func Register(fs *flag.FlagSet, getenv func(string) string) *Config {
	c := &Config{
		masterKeyEnv:         getenv("USERPOOL_MASTER_KEY"),
		AdminAccessKeyID:     getenv("USERPOOL_ADMIN_ACCESS_KEY_ID"),
		AdminSecretAccessKey: getenv("USERPOOL_ADMIN_SECRET_ACCESS_KEY"),
		secretEnv:            map[string]string{},
	}
	for _, s := range c.settings() {
		def := s.def
		if v := getenv(s.env); v != "" && s.secret {
			c.secretEnv[s.flag] = v
		} else if v != "" {
			def = v
		}
		fs.StringVar(s.dst, s.flag, def, s.usage+" ($"+s.env+")")
	}
	noDemo, _ := strconv.ParseBool(getenv("USERPOOL_NO_DEMO"))
	fs.BoolVar(&c.NoDemo, "no-demo", noDemo, "do not serve the demo app at /demo, nor create its pool ($USERPOOL_NO_DEMO)")
	allowPrivate, _ := strconv.ParseBool(getenv("USERPOOL_TRIGGERS_ALLOW_PRIVATE_NETWORKS"))
	fs.BoolVar(&c.TriggersAllowPrivateNetworks, "triggers-allow-private-networks", allowPrivate,
		"let triggers call loopback and private network addresses, e.g. a receiver on localhost in development ($USERPOOL_TRIGGERS_ALLOW_PRIVATE_NETWORKS)")
	return c
}

// Load parses args (flags only, no positional arguments) over the environment and validates
// the result. It returns an error wrapping flag.ErrHelp for -h.
func Load(args []string, getenv func(string) string) (*Config, error) {
	fs := flag.NewFlagSet("userpool", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c := Register(fs, getenv)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, fmt.Errorf("command line: %w", err)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("command line: unexpected argument %q", fs.Arg(0))
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// Usage writes the flags and their environment variables to w.
func Usage(w io.Writer) {
	fs := flag.NewFlagSet("userpool", flag.ContinueOnError)
	fs.SetOutput(w)
	Register(fs, func(string) string { return "" })
	fs.PrintDefaults()
}

var regionRE = regexp.MustCompile(`^[a-z0-9-]+$`)

// Validate checks every setting, fills the default database URL and decodes the master key.
// The error is one line naming the setting.
func (c *Config) Validate() error {
	if err := validateListen(c.Listen); err != nil {
		return c.bad("listen", c.Listen, err)
	}
	u, err := validatePublicURL(c.PublicURL)
	if err != nil {
		return c.bad("public-url", c.PublicURL, err)
	}
	c.PublicURL = u
	if strings.TrimSpace(c.DataDir) == "" {
		return c.bad("data-dir", c.DataDir, errors.New("must not be empty"))
	}
	if len(c.Region) > 32 || !regionRE.MatchString(c.Region) {
		return c.bad("region", c.Region, errors.New("must be 1 to 32 lower-case letters, digits or dashes"))
	}
	if c.DatabaseURL == "" {
		c.DatabaseURL = filepath.Join(c.DataDir, DatabaseFile)
	}
	if err := validateDatabaseURL(c.DatabaseURL); err != nil {
		return fmt.Errorf("invalid --database-url (USERPOOL_DATABASE_URL) %s: %w", RedactDatabaseURL(c.DatabaseURL), err)
	}
	if c.masterKeyEnv != "" {
		key, err := DecodeMasterKey(c.masterKeyEnv)
		if err != nil {
			// Never echo the key itself.
			return fmt.Errorf("invalid USERPOOL_MASTER_KEY: %w", err)
		}
		c.MasterKey = key
	}
	if (c.AdminAccessKeyID == "") != (c.AdminSecretAccessKey == "") {
		return errors.New("invalid admin credentials: set both USERPOOL_ADMIN_ACCESS_KEY_ID and USERPOOL_ADMIN_SECRET_ACCESS_KEY, or neither")
	}
	for _, s := range c.settings() {
		if v, ok := c.secretEnv[s.flag]; ok && *s.dst == "" {
			*s.dst = v
		}
	}
	return c.validateMessaging()
}

// MessageConfig is the delivery configuration for message.NewSenders.
func (c *Config) MessageConfig() message.Config {
	return message.Config{SMTPURL: c.SMTPURL, MailFrom: c.MailFrom, SMSWebhookURL: c.SMSWebhookURL, SMSWebhookSecret: c.SMSWebhookSecret}
}

// validateMessaging builds the senders once to check the delivery settings; their errors name
// the settings and never show a password.
func (c *Config) validateMessaging() error {
	if c.MailFrom != "" {
		if _, err := mail.ParseAddress(c.MailFrom); err != nil {
			return fmt.Errorf("invalid --mail-from (USERPOOL_MAIL_FROM) %q: not an email address", c.MailFrom)
		}
	}
	if c.SMTPURL != "" {
		if _, err := message.NewSMTP(c.SMTPURL, c.MailFrom, nil); err != nil {
			return fmt.Errorf("invalid --smtp-url: %w", err)
		}
	}
	if c.SMSWebhookURL == "" && c.SMSWebhookSecret != "" {
		return errors.New("invalid --sms-webhook-secret (USERPOOL_SMS_WEBHOOK_SECRET): set only with USERPOOL_SMS_WEBHOOK_URL")
	}
	if c.SMSWebhookURL != "" {
		if _, err := message.NewSMSWebhook(c.SMSWebhookURL, c.SMSWebhookSecret); err != nil {
			return fmt.Errorf("invalid --sms-webhook-url: %w", err)
		}
	}
	return nil
}

func (c *Config) bad(flagName, value string, err error) error {
	for _, s := range c.settings() {
		if s.flag == flagName {
			return fmt.Errorf("invalid --%s (%s) %q: %w", s.flag, s.env, value, err)
		}
	}
	return fmt.Errorf("invalid --%s %q: %w", flagName, value, err)
}

func validateListen(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("must be host:port, e.g. localhost:8080 or :8080")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return errors.New("port must be a number from 0 to 65535")
	}
	return nil
}

// validatePublicURL returns the URL without a trailing slash.
func validatePublicURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New("not a URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", errors.New("must be an absolute http:// or https:// URL")
	case u.Host == "" || u.Hostname() == "":
		return "", errors.New("must have a host")
	case u.User != nil:
		return "", errors.New("must not contain user info")
	case u.RawQuery != "" || u.ForceQuery:
		return "", errors.New("must not have a query")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return "", errors.New("must not have a fragment")
	}
	return strings.TrimRight(u.String(), "/"), nil
}

func validateDatabaseURL(raw string) error {
	scheme := DatabaseScheme(raw)
	switch scheme {
	case "postgres", "postgresql":
		u, err := url.Parse(raw)
		if err != nil {
			return errors.New("not a URL")
		}
		if u.Host == "" {
			return errors.New("a PostgreSQL URL needs a host, e.g. postgres://user@localhost:5432/db")
		}
	case "sqlite", "file", "":
		if sqlitePath(raw) == "" {
			return errors.New("the SQLite file path is empty")
		}
	default:
		return fmt.Errorf("unknown scheme %q: use postgres://, sqlite://, file: or a file path", scheme)
	}
	return nil
}

// DatabaseScheme returns the scheme of a database URL in lower case: "postgres",
// "postgresql", "sqlite", "file", another scheme, or "" for a plain file path.
func DatabaseScheme(raw string) string {
	i := strings.Index(raw, ":")
	if i <= 1 { // none, or a Windows drive letter
		return ""
	}
	scheme := strings.ToLower(raw[:i])
	for _, r := range scheme {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.') {
			return ""
		}
	}
	return scheme
}

func sqlitePath(raw string) string {
	switch DatabaseScheme(raw) {
	case "sqlite":
		raw = strings.TrimPrefix(raw[len("sqlite:"):], "//")
	case "file":
		raw = raw[len("file:"):]
	}
	if i := strings.Index(raw, "?"); i >= 0 {
		raw = raw[:i]
	}
	return raw
}

// DescribeDatabase names the database for start-up logs: the driver and the file path or
// host and database name, never the password.
func DescribeDatabase(raw string) string {
	switch DatabaseScheme(raw) {
	case "postgres", "postgresql":
		u, err := url.Parse(raw)
		if err != nil {
			return "postgres"
		}
		return "postgres " + u.Host + u.Path
	default:
		return "sqlite " + sqlitePath(raw)
	}
}

// RedactDatabaseURL hides the password of a database URL, for error messages.
func RedactDatabaseURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		if err != nil && strings.Contains(raw, "@") {
			return "(unparsable URL)"
		}
		return raw
	}
	return u.Redacted()
}

// DecodeMasterKey decodes a base64 master key (standard or URL alphabet, padded or not) and
// checks its length.
func DecodeMasterKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if key, err := enc.DecodeString(s); err == nil {
			if len(key) != seal.KeySize {
				return nil, fmt.Errorf("must be base64 of %d bytes, got %d bytes (create one with: openssl rand -base64 32)", seal.KeySize, len(key))
			}
			return key, nil
		}
	}
	return nil, errors.New("not valid base64 (create one with: openssl rand -base64 32)")
}
