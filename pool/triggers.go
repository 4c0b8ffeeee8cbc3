package pool

import (
	"net/url"
	"strings"

	"github.com/userpool/userpool/errs"
)

// LambdaConfig is Cognito's LambdaConfigType. Where Cognito takes a Lambda ARN, Userpool takes
// the URL of a webhook (https, or http) that receives the same event JSON a Lambda would.
// PreTokenGeneration is the legacy name of PreTokenGenerationConfig.LambdaArn; Userpool sends
// the V2_0 event only, so DescribeUserPool shows both fields with the same URL, as Cognito does.
type LambdaConfig struct {
	PreSignUp                string                    `json:"PreSignUp,omitempty"`
	CustomMessage            string                    `json:"CustomMessage,omitempty"`
	PostConfirmation         string                    `json:"PostConfirmation,omitempty"`
	PreAuthentication        string                    `json:"PreAuthentication,omitempty"`
	PostAuthentication       string                    `json:"PostAuthentication,omitempty"`
	PreTokenGeneration       string                    `json:"PreTokenGeneration,omitempty"`
	PreTokenGenerationConfig *PreTokenGenerationConfig `json:"PreTokenGenerationConfig,omitempty"`
	UserMigration            string                    `json:"UserMigration,omitempty"`
}

// PreTokenGenerationConfig is Cognito's PreTokenGenerationVersionConfigType.
type PreTokenGenerationConfig struct {
	LambdaVersion string `json:"LambdaVersion"`
	LambdaArn     string `json:"LambdaArn"`
}

// Trigger names, as LambdaConfig's keys (and Cognito's error messages) spell them.
const (
	TriggerPreSignUp          = "PreSignUp"
	TriggerCustomMessage      = "CustomMessage"
	TriggerPostConfirmation   = "PostConfirmation"
	TriggerPreAuthentication  = "PreAuthentication"
	TriggerPostAuthentication = "PostAuthentication"
	TriggerPreTokenGeneration = "PreTokenGeneration"
	TriggerUserMigration      = "UserMigration"
)

// Triggers lists every trigger name in a stable order.
var Triggers = []string{TriggerPreSignUp, TriggerCustomMessage, TriggerPostConfirmation, TriggerPreAuthentication,
	TriggerPostAuthentication, TriggerPreTokenGeneration, TriggerUserMigration}

// TriggerURL returns the webhook URL of the named trigger, or "" when it is not configured.
func (p *Pool) TriggerURL(name string) string {
	c := p.LambdaConfig
	if c == nil {
		return ""
	}
	switch name {
	case TriggerPreSignUp:
		return c.PreSignUp
	case TriggerCustomMessage:
		return c.CustomMessage
	case TriggerPostConfirmation:
		return c.PostConfirmation
	case TriggerPreAuthentication:
		return c.PreAuthentication
	case TriggerPostAuthentication:
		return c.PostAuthentication
	case TriggerPreTokenGeneration:
		if c.PreTokenGeneration == "" && c.PreTokenGenerationConfig != nil {
			return c.PreTokenGenerationConfig.LambdaArn
		}
		return c.PreTokenGeneration
	case TriggerUserMigration:
		return c.UserMigration
	}
	return ""
}

// maxTriggerURL is Cognito's ArnType length limit.
const maxTriggerURL = 2048

// normalizeLambdaConfig checks every configured URL and folds PreTokenGeneration and
// PreTokenGenerationConfig into one: both name the same V2_0 webhook. Whether a URL's host is
// a private address is checked when it is called (names resolve differently over time).
func normalizeLambdaConfig(p *Pool) error {
	if p.LambdaConfig == nil {
		return nil
	}
	cp := *p.LambdaConfig // the caller's copy of the pool shares the pointer
	c := &cp
	p.LambdaConfig = c
	if ptg := c.PreTokenGenerationConfig; ptg != nil && ptg.LambdaArn != "" {
		if ptg.LambdaVersion != "V2_0" && ptg.LambdaVersion != "" {
			return errs.New(errs.InvalidParameter, "PreTokenGenerationConfig.LambdaVersion must be V2_0 (the only event version Userpool sends), not %q.", ptg.LambdaVersion)
		}
		if c.PreTokenGeneration != "" && c.PreTokenGeneration != ptg.LambdaArn {
			return errs.New(errs.InvalidParameter, "PreTokenGeneration and PreTokenGenerationConfig.LambdaArn must be the same when both are given.")
		}
		c.PreTokenGeneration = ptg.LambdaArn
	} else if c.PreTokenGeneration != "" {
		return errs.New(errs.InvalidParameter, "PreTokenGeneration alone asks for the V1_0 event, which Userpool does not send: set PreTokenGenerationConfig with LambdaVersion V2_0.")
	}
	for _, name := range Triggers {
		if err := CheckTriggerURL(name, p.TriggerURL(name)); err != nil {
			return err
		}
	}
	if c.PreTokenGeneration == "" {
		c.PreTokenGenerationConfig = nil
	} else {
		c.PreTokenGenerationConfig = &PreTokenGenerationConfig{LambdaVersion: "V2_0", LambdaArn: c.PreTokenGeneration}
	}
	if *c == (LambdaConfig{}) {
		p.LambdaConfig = nil
	}
	return nil
}

// CheckTriggerURL accepts "" (not configured) or an absolute http(s) URL without user
// information or fragment.
func CheckTriggerURL(name, raw string) error {
	if raw == "" {
		return nil
	}
	bad := func(why string) error {
		return errs.New(errs.InvalidParameter, "LambdaConfig.%s must be the http(s) URL of a webhook: %s.", name, why)
	}
	if len(raw) > maxTriggerURL {
		return bad("longer than 2048 characters")
	}
	if strings.HasPrefix(raw, "arn:") {
		return bad("Lambda ARNs cannot be invoked; give the URL of an HTTP endpoint (a Lambda function URL works)")
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return bad("not a URL")
	case u.Scheme != "https" && u.Scheme != "http":
		return bad("the scheme must be https or http")
	case u.Host == "" || u.Hostname() == "":
		return bad("the host is missing")
	case u.User != nil:
		return bad("user information is not allowed (the request is signed instead)")
	case u.Fragment != "":
		return bad("a fragment is not allowed")
	}
	return nil
}
