package pool

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/userpool/userpool/errs"
)

// App client setting values.
const (
	FlowCode              = "code"
	FlowImplicit          = "implicit"
	FlowClientCredentials = "client_credentials"

	PreventUserExistenceEnabled = "ENABLED"
	PreventUserExistenceLegacy  = "LEGACY"

	UnitSeconds = "seconds"
	UnitMinutes = "minutes"
	UnitHours   = "hours"
	UnitDays    = "days"

	ClientIDLength     = 26
	ClientSecretLength = 51
)

// Explicit auth flows: the ALLOW_ ones and the legacy ones, which cannot be mixed.
var (
	allowAuthFlows = []string{
		"ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_USER_PASSWORD_AUTH",
		"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_AUTH",
	}
	legacyAuthFlows       = []string{"ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY", "USER_PASSWORD_AUTH"}
	defaultAuthFlows      = []string{"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"}
	standardScopes        = []string{"openid", "email", "phone", "profile", "aws.cognito.signin.user.admin"}
	clientSecretRE        = regexp.MustCompile(`^[\w+]{24,64}$`)
	unsafeRedirectSchemes = []string{"javascript", "data", "vbscript", "file"}
)

// ClientDefaults returns a client with Cognito's defaults, except PreventUserExistenceErrors,
// which defaults to ENABLED (Cognito's API defaults to LEGACY, which tells callers whether a
// user exists). An API layer starts from it and overlays what the caller sent, so that omitted
// booleans such as EnableTokenRevocation keep their default of true.
func ClientDefaults() Client {
	return Client{
		ExplicitAuthFlows:          slices.Clone(defaultAuthFlows),
		AccessTokenValidity:        1,
		IdTokenValidity:            1,
		RefreshTokenValidity:       30,
		TokenValidityUnits:         TokenValidityUnits{AccessToken: UnitHours, IdToken: UnitHours, RefreshToken: UnitDays},
		PreventUserExistenceErrors: PreventUserExistenceEnabled,
		EnableTokenRevocation:      true,
		AuthSessionValidity:        3,
	}
}

func unitDuration(unit string) time.Duration {
	switch unit {
	case UnitSeconds:
		return time.Second
	case UnitMinutes:
		return time.Minute
	case UnitHours:
		return time.Hour
	case UnitDays:
		return 24 * time.Hour
	}
	return 0
}

// ttl converts a validity in its unit, falling back to the default for a zero value.
func ttl(v int, unit string, def time.Duration) time.Duration {
	d := unitDuration(unit)
	if v <= 0 || d == 0 {
		return def
	}
	return time.Duration(v) * d
}

// AccessTokenTTL is how long access tokens issued to the client live.
func (c *Client) AccessTokenTTL() time.Duration {
	return ttl(c.AccessTokenValidity, c.TokenValidityUnits.AccessToken, time.Hour)
}

// IDTokenTTL is how long ID tokens issued to the client live.
func (c *Client) IDTokenTTL() time.Duration {
	return ttl(c.IdTokenValidity, c.TokenValidityUnits.IdToken, time.Hour)
}

// RefreshTokenTTL is how long refresh tokens issued to the client live.
func (c *Client) RefreshTokenTTL() time.Duration {
	return ttl(c.RefreshTokenValidity, c.TokenValidityUnits.RefreshToken, 30*24*time.Hour)
}

// normalizeValidity fills a token's default value and unit when the value is 0 (the default
// replaces the unit too, so "0 minutes" means one hour, not zero) and checks the range.
func normalizeValidity(field string, v *int, unit *string, defV int, defUnit string, lo, hi time.Duration, rangeText string) error {
	if *v == 0 {
		*v, *unit = defV, defUnit
	}
	if *unit == "" {
		*unit = defUnit
	}
	d := unitDuration(*unit)
	if d == 0 {
		return errs.New(errs.InvalidParameter, "TokenValidityUnits.%s must be seconds, minutes, hours or days, not %q.", field, *unit)
	}
	if total := time.Duration(*v) * d; *v < 0 || total < lo || total > hi || total/d != time.Duration(*v) {
		return errs.New(errs.InvalidParameter, "%sValidity must be between %s.", field, rangeText)
	}
	return nil
}

// checkRedirectURL applies Cognito's rules for callback and logout URLs.
func checkRedirectURL(field, raw string) error {
	if n := utf8.RuneCountInString(raw); n < 1 || n > 1024 {
		return errs.New(errs.InvalidParameter, "%s: each URL must be 1-1024 characters long.", field)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return errs.New(errs.InvalidParameter, "%s: %q is not an absolute URL.", field, raw)
	}
	if strings.Contains(raw, "#") {
		return errs.New(errs.InvalidParameter, "%s: %q must not contain a fragment.", field, raw)
	}
	switch scheme := strings.ToLower(u.Scheme); {
	case scheme == "https":
		if u.Host == "" {
			return errs.New(errs.InvalidParameter, "%s: %q has no host.", field, raw)
		}
	case scheme == "http":
		if h := u.Hostname(); h != "localhost" && h != "127.0.0.1" && h != "::1" {
			return errs.New(errs.InvalidParameter, "%s: %q must use https (http is allowed only for localhost, 127.0.0.1 and [::1]).", field, raw)
		}
	case slices.Contains(unsafeRedirectSchemes, scheme):
		return errs.New(errs.InvalidParameter, "%s: the %s: scheme is not allowed.", field, scheme)
	}
	return nil
}

func checkURLs(field string, urls []string) error {
	if len(urls) > 100 {
		return errs.New(errs.InvalidParameter, "%s: at most 100 URLs are allowed.", field)
	}
	for i, u := range urls {
		if err := checkRedirectURL(field, u); err != nil {
			return err
		}
		if slices.Contains(urls[:i], u) {
			return errs.New(errs.InvalidParameter, "%s: %q is given more than once.", field, u)
		}
	}
	return nil
}

// normalizeClient validates a client's settings against its pool and fills defaults.
// customScopes are the pool's resource-server scopes ("identifier/scope"); hasSecret says
// whether the client has (or will have) a secret.
func normalizeClient(c *Client, p *Pool, customScopes []string, hasSecret bool) error {
	if err := checkName("ClientName", c.ClientName, 128); err != nil {
		return err
	}
	if err := checkURLs("CallbackURLs", c.CallbackURLs); err != nil {
		return err
	}
	if err := checkURLs("LogoutURLs", c.LogoutURLs); err != nil {
		return err
	}
	if c.DefaultRedirectURI != "" && !slices.Contains(c.CallbackURLs, c.DefaultRedirectURI) {
		return errs.New(errs.InvalidParameter, "DefaultRedirectURI must be one of the CallbackURLs.")
	}
	if err := checkSubset("AllowedOAuthFlows", c.AllowedOAuthFlows, []string{FlowCode, FlowImplicit, FlowClientCredentials}); err != nil {
		return err
	}
	if slices.Contains(c.AllowedOAuthFlows, FlowClientCredentials) {
		if len(c.AllowedOAuthFlows) > 1 {
			return errs.New(errs.InvalidOAuthFlow, "client_credentials flow can not be selected along with code flow or implicit flow.")
		}
		if !hasSecret {
			return errs.New(errs.InvalidOAuthFlow, "client_credentials flow can not be selected if client does not have a client secret.")
		}
	}
	if c.AllowedOAuthFlowsUserPoolClient {
		if len(c.AllowedOAuthFlows) == 0 || len(c.AllowedOAuthScopes) == 0 {
			return errs.New(errs.InvalidParameter, "AllowedOAuthFlows and AllowedOAuthScopes are required when AllowedOAuthFlowsUserPoolClient is true.")
		}
		if (slices.Contains(c.AllowedOAuthFlows, FlowCode) || slices.Contains(c.AllowedOAuthFlows, FlowImplicit)) && len(c.CallbackURLs) == 0 {
			return errs.New(errs.InvalidParameter, "CallbackURLs are required for the code and implicit flows.")
		}
	}
	if err := checkScopes(c.AllowedOAuthScopes, customScopes); err != nil {
		return err
	}
	if err := checkAuthFlows(c); err != nil {
		return err
	}
	for _, idp := range c.SupportedIdentityProviders {
		if idp != "COGNITO" {
			return errs.New(errs.InvalidParameter, "The provider %s does not exist for User Pool %s.", idp, p.Id)
		}
	}
	u := &c.TokenValidityUnits
	if err := normalizeValidity("AccessToken", &c.AccessTokenValidity, &u.AccessToken, 1, UnitHours, 5*time.Minute, 24*time.Hour, "5 minutes and 1 day"); err != nil {
		return err
	}
	if err := normalizeValidity("IdToken", &c.IdTokenValidity, &u.IdToken, 1, UnitHours, 5*time.Minute, 24*time.Hour, "5 minutes and 1 day"); err != nil {
		return err
	}
	if err := normalizeValidity("RefreshToken", &c.RefreshTokenValidity, &u.RefreshToken, 30, UnitDays, time.Hour, 3650*24*time.Hour, "1 hour and 3650 days"); err != nil {
		return err
	}
	if err := checkClientAttributes("ReadAttributes", c.ReadAttributes, p, nil); err != nil {
		return err
	}
	// The verified flags are readable but not writable by a client: self-service writes could
	// otherwise mark an address verified without proof.
	if err := checkClientAttributes("WriteAttributes", c.WriteAttributes, p, []string{"sub", "email_verified", "phone_number_verified"}); err != nil {
		return err
	}
	switch c.PreventUserExistenceErrors {
	case "":
		c.PreventUserExistenceErrors = PreventUserExistenceEnabled
	case PreventUserExistenceEnabled, PreventUserExistenceLegacy:
	default:
		return errs.New(errs.InvalidParameter, "PreventUserExistenceErrors must be ENABLED or LEGACY, not %q.", c.PreventUserExistenceErrors)
	}
	if c.AuthSessionValidity == 0 {
		c.AuthSessionValidity = 3
	}
	if c.AuthSessionValidity < 3 || c.AuthSessionValidity > 15 {
		return errs.New(errs.InvalidParameter, "AuthSessionValidity must be between 3 and 15 minutes.")
	}
	return normalizeOIDCSettings(c)
}

func checkScopes(scopes, custom []string) error {
	if len(scopes) > 50 {
		return errs.New(errs.InvalidParameter, "AllowedOAuthScopes: at most 50 scopes are allowed.")
	}
	for i, s := range scopes {
		if !slices.Contains(standardScopes, s) && !slices.Contains(custom, s) {
			return errs.New(errs.ScopeDoesNotExist, "Invalid scope requested: %s", s)
		}
		if slices.Contains(scopes[:i], s) {
			return errs.New(errs.InvalidParameter, "AllowedOAuthScopes: %q is given more than once.", s)
		}
		if (s == "email" || s == "phone" || s == "profile") && !slices.Contains(scopes, "openid") {
			return errs.New(errs.InvalidParameter, "AllowedOAuthScopes: the %s scope requires the openid scope.", s)
		}
	}
	return nil
}

func checkAuthFlows(c *Client) error {
	if len(c.ExplicitAuthFlows) == 0 {
		c.ExplicitAuthFlows = slices.Clone(defaultAuthFlows)
		return nil
	}
	if err := checkSubset("ExplicitAuthFlows", c.ExplicitAuthFlows, append(slices.Clone(allowAuthFlows), legacyAuthFlows...)); err != nil {
		return err
	}
	allow, legacy := false, false
	for _, f := range c.ExplicitAuthFlows {
		if slices.Contains(legacyAuthFlows, f) {
			legacy = true
		} else {
			allow = true
		}
	}
	if allow && legacy {
		return errs.New(errs.InvalidParameter, "ExplicitAuthFlows cannot mix ALLOW_ values with the legacy values ADMIN_NO_SRP_AUTH, CUSTOM_AUTH_FLOW_ONLY and USER_PASSWORD_AUTH.")
	}
	return nil
}

func checkClientAttributes(field string, attrs []string, p *Pool, forbidden []string) error {
	for i, a := range attrs {
		if p.Attribute(a) == nil {
			return errs.New(errs.InvalidParameter, "%s: %s is not an attribute of the user pool.", field, a)
		}
		if slices.Contains(forbidden, a) {
			return errs.New(errs.InvalidParameter, "%s: %s cannot be listed.", field, a)
		}
		if slices.Contains(attrs[:i], a) {
			return errs.New(errs.InvalidParameter, "%s: %s is given more than once.", field, a)
		}
	}
	return nil
}
