package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/userpool/userpool/accesskey"
	"github.com/userpool/userpool/config"
)

// target prefix of the Cognito Identity Provider JSON protocol.
const targetPrefix = "AWSCognitoIdentityProviderService."

// clientOptions are the flags every API command takes.
type clientOptions struct {
	endpoint, region, dataDir, output, rawJSON string
}

func (o *clientOptions) register(fs *flag.FlagSet, getenv func(string) string) {
	orEnv := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	fs.StringVar(&o.endpoint, "endpoint", orEnv("USERPOOL_ENDPOINT", "http://localhost:8080"), "management API endpoint ($USERPOOL_ENDPOINT)")
	fs.StringVar(&o.region, "region", orEnv("USERPOOL_REGION", config.DefaultRegion), "region to sign requests for ($USERPOOL_REGION)")
	fs.StringVar(&o.dataDir, "data-dir", orEnv("USERPOOL_DATA_DIR", config.DefaultDataDir), "data dir whose admin-credentials file is used when no keys are in the environment ($USERPOOL_DATA_DIR)")
	fs.StringVar(&o.output, "output", "json", "output format: json or table")
}

// runAPI runs "group subcommand [flags]" or "api ACTION [JSON]".
func runAPI(group string, args []string, e env) error {
	if group == "api" {
		return runRaw(args, e)
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return usagef("%s: missing subcommand (%s)", group, strings.Join(subcommands(group), ", "))
	}
	name := group + " " + args[0]
	cmd, ok := commands[name]
	if !ok {
		return usagef("%s: unknown subcommand %q (%s)", group, args[0], strings.Join(subcommands(group), ", "))
	}
	fs := flag.NewFlagSet("userpool "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var opts clientOptions
	opts.register(fs, e.getenv)
	fs.StringVar(&opts.rawJSON, "json", "", "request fields as a JSON object; the other flags override them")
	values := make(map[string]*flagValue, len(cmd.fields))
	for _, f := range cmd.fields {
		v := &flagValue{kind: f.kind}
		values[f.flag] = v
		help := "request field " + f.path
		if f.required {
			help += " (required)"
		}
		fs.Var(v, f.flag, help)
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(e.stdout, "Usage: userpool %s [flags]  (action %s)\n\n", name, cmd.action)
			fs.SetOutput(e.stdout)
			fs.PrintDefaults()
			return err
		}
		return usageError{fmt.Sprintf("%s: %v", name, err)}
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q", name, fs.Arg(0))
	}
	req, err := buildRequest(cmd.fields, values, opts.rawJSON)
	if err != nil {
		return usagef("%s: %v", name, err)
	}
	return call(e, opts, cmd.action, req, cmd.table)
}

// runRaw is the escape hatch: userpool api ACTION ['{json}'].
func runRaw(args []string, e env) error {
	fs := flag.NewFlagSet("userpool api", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var opts clientOptions
	opts.register(fs, e.getenv)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(e.stdout, "Usage: userpool api ACTION ['{json request}'] [flags]")
			fs.SetOutput(e.stdout)
			fs.PrintDefaults()
			return err
		}
		return usageError{"api: " + err.Error()}
	}
	if len(pos) < 1 || len(pos) > 2 {
		return usagef("api: want ACTION and an optional JSON request, e.g. userpool api ListUserPools '{\"MaxResults\":10}'")
	}
	action := strings.TrimPrefix(pos[0], targetPrefix)
	body := "{}"
	if len(pos) == 2 {
		body = pos[1]
	}
	var req map[string]any
	if err := json.Unmarshal([]byte(body), &req); err != nil {
		return usagef("api: the request is not a JSON object: %v", err)
	}
	return call(e, opts, action, req, nil)
}

// flagValue collects one flag's value; set records whether it was given.
type flagValue struct {
	kind  kind
	set   bool
	items []string
}

func (v *flagValue) String() string { return strings.Join(v.items, ",") }

func (v *flagValue) IsBoolFlag() bool { return v.kind == kBool }

func (v *flagValue) Set(s string) error {
	switch v.kind {
	case kInt:
		if _, err := strconv.ParseInt(s, 10, 64); err != nil {
			return errors.New("not an integer")
		}
	case kBool:
		if _, err := strconv.ParseBool(s); err != nil {
			return errors.New("not true or false")
		}
	case kAttrs, kScopes, kLinks:
		if name, _, ok := strings.Cut(s, "="); !ok || name == "" {
			return errors.New("want name=value")
		}
	case kFile, kText:
		b, err := os.ReadFile(s)
		if err != nil {
			return err
		}
		s = string(b)
	}
	if v.kind == kList {
		for _, item := range strings.Split(s, ",") {
			if item = strings.TrimSpace(item); item != "" {
				v.items = append(v.items, item)
			}
		}
	} else if v.kind == kAttrs || v.kind == kScopes || v.kind == kLinks {
		v.items = append(v.items, s)
	} else {
		v.items = []string{s}
	}
	v.set = true
	return nil
}

// value converts the collected strings to the request's JSON value.
func (v *flagValue) value() any {
	switch v.kind {
	case kInt:
		n, _ := strconv.ParseInt(v.items[0], 10, 64) // checked in Set or in the table's default
		return n
	case kBool:
		b, _ := strconv.ParseBool(v.items[0])
		return b
	case kList:
		return v.items
	case kFile:
		return []byte(v.items[0]) // encoding/json writes it as base64
	case kAttrs, kScopes, kLinks:
		keyName, keyValue := "Name", "Value"
		switch v.kind {
		case kScopes:
			keyName, keyValue = "ScopeName", "ScopeDescription"
		case kLinks:
			keyName, keyValue = "Text", "Url"
		}
		out := make([]map[string]string, len(v.items))
		for i, item := range v.items {
			name, value, _ := strings.Cut(item, "=")
			out[i] = map[string]string{keyName: name, keyValue: value}
		}
		return out
	default:
		return v.items[0]
	}
}

// buildRequest starts from rawJSON (when given) and sets each given flag, or its default.
func buildRequest(fields []field, values map[string]*flagValue, rawJSON string) (map[string]any, error) {
	req := map[string]any{}
	if rawJSON != "" {
		if err := json.Unmarshal([]byte(rawJSON), &req); err != nil {
			return nil, fmt.Errorf("--json is not a JSON object: %v", err)
		}
	}
	for _, f := range fields {
		v := values[f.flag]
		if !v.set && f.def != "" {
			if err := v.Set(f.def); err != nil {
				panic("bad default for --" + f.flag) // a mistake in the command table
			}
		}
		if !v.set {
			if f.required && rawJSON == "" {
				return nil, fmt.Errorf("--%s is required", f.flag)
			}
			continue
		}
		setPath(req, f.path, v.value())
	}
	return req, nil
}

// setPath sets a dot-separated path in m, creating objects on the way; "X[]" names the single
// element of the list X.
func setPath(m map[string]any, path string, v any) {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		if name, ok := strings.CutSuffix(p, "[]"); ok {
			list, _ := m[name].([]any)
			if len(list) == 0 {
				list = []any{map[string]any{}}
				m[name] = list
			}
			next, ok := list[0].(map[string]any)
			if !ok {
				next = map[string]any{}
				list[0] = next
			}
			m = next
			continue
		}
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[parts[len(parts)-1]] = v
}

// call sends one signed request and prints the response.
func call(e env, opts clientOptions, action string, req map[string]any, table *tableSpec) error {
	if opts.output != "json" && opts.output != "table" {
		return usagef("--output must be json or table, not %q", opts.output)
	}
	endpoint, err := url.Parse(opts.endpoint)
	if err != nil || (endpoint.Scheme != "http" && endpoint.Scheme != "https") || endpoint.Host == "" {
		return usagef("--endpoint (USERPOOL_ENDPOINT) %q must be an http:// or https:// URL", opts.endpoint)
	}
	id, secret, err := credentials(e, opts.dataDir)
	if err != nil {
		return err
	}
	body, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("encode request: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	httpReq, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(opts.endpoint, "/")+"/", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	httpReq.Header.Set("Content-Type", "application/x-amz-json-1.1")
	httpReq.Header.Set("X-Amz-Target", targetPrefix+action)
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(ctx, creds, httpReq, hex.EncodeToString(sum[:]), "cognito-idp", opts.region, time.Now()); err != nil {
		return fmt.Errorf("sign request: %w", err)
	}
	resp, err := http.DefaultClient.Do(httpReq)
	if err != nil {
		return fmt.Errorf("cannot reach the management API at --endpoint (USERPOOL_ENDPOINT) %s: %v", opts.endpoint, cause(err))
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("read response: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		return apiError(resp, out)
	}
	if len(bytes.TrimSpace(out)) == 0 {
		out = []byte("{}")
	}
	if opts.output == "table" {
		return printTable(e.stdout, out, table)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, out, "", "  "); err != nil {
		return fmt.Errorf("the server's response is not JSON: %.200s", out)
	}
	pretty.WriteByte('\n')
	_, err = pretty.WriteTo(e.stdout)
	return err
}

// apiError turns a Cognito error response into one line: the exception name and message.
func apiError(resp *http.Response, body []byte) error {
	var e struct {
		Type     string `json:"__type"`
		Message  string `json:"message"`
		Message2 string `json:"Message"`
	}
	_ = json.Unmarshal(body, &e)
	if e.Type == "" {
		e.Type, _, _ = strings.Cut(resp.Header.Get("X-Amzn-ErrorType"), ":")
	}
	if i := strings.LastIndex(e.Type, "#"); i >= 0 {
		e.Type = e.Type[i+1:]
	}
	if e.Message == "" {
		e.Message = e.Message2
	}
	switch {
	case e.Type != "" && e.Message != "":
		return fmt.Errorf("%s: %s", e.Type, e.Message)
	case e.Type != "":
		return errors.New(e.Type)
	default:
		return fmt.Errorf("HTTP %s: %.200s", resp.Status, body)
	}
}

// credentials finds the admin access key: USERPOOL_ADMIN_* or AWS_* variables, else the data
// dir's admin-credentials file.
func credentials(e env, dataDir string) (id, secret string, err error) {
	for _, pair := range [][2]string{
		{accesskey.EnvAccessKeyID, accesskey.EnvSecretAccessKey},
		{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"},
	} {
		if id, secret := e.getenv(pair[0]), e.getenv(pair[1]); id != "" && secret != "" {
			return id, secret, nil
		}
	}
	path := filepath.Join(dataDir, accesskey.CredentialsFile)
	id, secret, err = accesskey.ReadCredentialsFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", "", fmt.Errorf("no admin credentials: set %s and %s (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or point --data-dir at the server's data dir (no %s)",
			accesskey.EnvAccessKeyID, accesskey.EnvSecretAccessKey, path)
	}
	if err != nil {
		return "", "", fmt.Errorf("admin credentials: %w", err)
	}
	return id, secret, nil
}
