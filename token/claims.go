// Package token builds the Cognito-shaped claim sets of ID and access tokens and userInfo, signs
// them with a pool's key, and verifies them. The OIDC provider and the Cognito JSON API both go
// through it, so the two surfaces emit the same tokens.
//
// Which user attributes a token carries (the same set for the ID token and userInfo):
//   - only the attributes the app client may read: its ReadAttributes, or when it has none,
//     Cognito's default of every standard attribute plus email_verified and
//     phone_number_verified (custom attributes only when listed); "dev:" attributes never;
//   - of those, with openid and none of email, phone, profile (or with no OAuth scopes at all,
//     as for the Cognito API's InitiateAuth): all of them, which is what Cognito documents
//     for openid alone;
//   - otherwise the union of: email → email, email_verified; phone → phone_number,
//     phone_number_verified; profile → name, family_name, given_name, middle_name, nickname,
//     preferred_username, profile, picture, website, gender, birthdate, zoneinfo, locale,
//     updated_at, address and the custom attributes (Cognito returns custom attributes with
//     profile). Other scopes (aws.cognito.signin.user.admin, resource-server scopes) add none.
//
// Values are strings, except email_verified and phone_number_verified (JSON booleans),
// updated_at (a number) and address (an object {"formatted": ...} as OIDC defines it). Custom
// attributes are always strings, whatever their schema type, as in Cognito.
package token

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Claims is a JWT claim set. Times are Unix seconds; json.Marshal writes the keys sorted.
type Claims map[string]any

// Token uses, the "token_use" claim.
const (
	UseID     = "id"
	UseAccess = "access"
)

// Scopes that select attributes.
const (
	ScopeOpenID  = "openid"
	ScopeEmail   = "email"
	ScopePhone   = "phone"
	ScopeProfile = "profile"
	// ScopeCognitoAdmin is the scope of the Cognito API's access tokens: the signed-in user's
	// own profile, through the API and userInfo.
	ScopeCognitoAdmin = "aws.cognito.signin.user.admin"
)

// User is the signed-in user as tokens show them.
type User struct {
	Sub      string
	Username string
	// Attributes are the user's attribute values by name ("email", "custom:tier", ...).
	Attributes map[string]string
	Groups     []Group
}

// Group is a group the user belongs to; groups are listed by Precedence (lowest first, groups
// without one last), then by name.
type Group struct {
	Name       string
	Precedence *int
}

// IDTokenInput is what an ID token says.
type IDTokenInput struct {
	Issuer   string
	ClientID string // the audience
	User     User
	// Scopes granted; nil for the Cognito API's sign-in (which has no OAuth scopes).
	Scopes []string
	// ReadAttributes of the app client; empty means Cognito's default (see the package doc).
	ReadAttributes []string
	AuthTime       time.Time
	IssuedAt       time.Time
	Lifetime       time.Duration
	Nonce          string // optional: copied from the authorization request
	AtHash         string // optional: see AtHash
	JTI            string
	OriginJTI      string   // optional: the jti of the sign-in the refresh chain started from
	AMR            []string // optional: the amr claim (RFC 8176 methods of the sign-in)
}

// AccessTokenInput is what a user's access token says.
type AccessTokenInput struct {
	Issuer    string
	ClientID  string
	User      User // Sub, Username and Groups are used
	Scopes    []string
	AuthTime  time.Time
	IssuedAt  time.Time
	Lifetime  time.Duration
	JTI       string
	OriginJTI string // optional
}

// ClientCredentialsInput is what a client_credentials access token says: no user.
type ClientCredentialsInput struct {
	Issuer   string
	ClientID string
	Scopes   []string
	IssuedAt time.Time
	Lifetime time.Duration
	JTI      string
}

// NewJTI returns a fresh token id (a UUID, as Cognito's).
func NewJTI() string { return uuid.NewString() }

// IDToken returns the claims of an ID token.
func IDToken(in IDTokenInput) (Claims, error) {
	if err := check("ID token", in.IssuedAt, in.Lifetime, field{"issuer", in.Issuer}, field{"client id", in.ClientID},
		field{"sub", in.User.Sub}, field{"username", in.User.Username}, field{"jti", in.JTI}); err != nil {
		return nil, err
	}
	if in.Scopes != nil && !slices.Contains(in.Scopes, ScopeOpenID) {
		return nil, errors.New("build ID token: the openid scope was not granted")
	}
	if in.AuthTime.IsZero() {
		return nil, errors.New("build ID token: auth time is required")
	}
	c := Attributes(in.User, in.Scopes, in.ReadAttributes)
	c["iss"] = in.Issuer
	c["sub"] = in.User.Sub
	c["aud"] = in.ClientID
	c["token_use"] = UseID
	c["cognito:username"] = in.User.Username
	c["auth_time"] = in.AuthTime.Unix()
	c["iat"] = in.IssuedAt.Unix()
	c["exp"] = in.IssuedAt.Add(in.Lifetime).Unix()
	c["jti"] = in.JTI
	setIf(c, "origin_jti", in.OriginJTI)
	setIf(c, "nonce", in.Nonce)
	setIf(c, "at_hash", in.AtHash)
	if len(in.AMR) > 0 {
		c["amr"] = slices.Clone(in.AMR)
	}
	if g := groupNames(in.User.Groups); len(g) > 0 {
		c["cognito:groups"] = g
	}
	return c, nil
}

// AccessToken returns the claims of a user's access token. It carries aud = client_id besides
// Cognito's client_id (the difference DESIGN.md accepts: zitadel/oidc always sets aud).
func AccessToken(in AccessTokenInput) (Claims, error) {
	if err := check("access token", in.IssuedAt, in.Lifetime, field{"issuer", in.Issuer}, field{"client id", in.ClientID},
		field{"sub", in.User.Sub}, field{"username", in.User.Username}, field{"jti", in.JTI}); err != nil {
		return nil, err
	}
	if in.AuthTime.IsZero() {
		return nil, errors.New("build access token: auth time is required")
	}
	c := Claims{
		"iss":       in.Issuer,
		"sub":       in.User.Sub,
		"aud":       in.ClientID,
		"client_id": in.ClientID,
		"token_use": UseAccess,
		"scope":     JoinScopes(in.Scopes),
		"username":  in.User.Username,
		"auth_time": in.AuthTime.Unix(),
		"iat":       in.IssuedAt.Unix(),
		"exp":       in.IssuedAt.Add(in.Lifetime).Unix(),
		"jti":       in.JTI,
	}
	setIf(c, "origin_jti", in.OriginJTI)
	if g := groupNames(in.User.Groups); len(g) > 0 {
		c["cognito:groups"] = g
	}
	return c, nil
}

// ClientCredentials returns the claims of a client_credentials access token: sub is the client
// id and there are no user claims.
func ClientCredentials(in ClientCredentialsInput) (Claims, error) {
	if err := check("client credentials token", in.IssuedAt, in.Lifetime,
		field{"issuer", in.Issuer}, field{"client id", in.ClientID}, field{"jti", in.JTI}); err != nil {
		return nil, err
	}
	if len(in.Scopes) == 0 {
		return nil, errors.New("build client credentials token: at least one scope is required")
	}
	return Claims{
		"iss":       in.Issuer,
		"sub":       in.ClientID,
		"aud":       in.ClientID,
		"client_id": in.ClientID,
		"token_use": UseAccess,
		"scope":     JoinScopes(in.Scopes),
		"iat":       in.IssuedAt.Unix(),
		"exp":       in.IssuedAt.Add(in.Lifetime).Unix(),
		"jti":       in.JTI,
	}, nil
}

// UserInfo returns the userInfo response for an access token's scopes: sub and the same
// attributes as the ID token would carry. It needs the openid scope or, for the Cognito API's
// tokens, aws.cognito.signin.user.admin, as Cognito's does (see GrantsUserInfo).
func UserInfo(u User, scopes, readAttributes []string) (Claims, error) {
	if u.Sub == "" {
		return nil, errors.New("build userInfo: sub is required")
	}
	if !GrantsUserInfo(scopes) {
		return nil, errors.New("build userInfo: neither openid nor aws.cognito.signin.user.admin was granted")
	}
	c := Attributes(u, scopes, readAttributes)
	c["sub"] = u.Sub
	return c, nil
}

// GrantsUserInfo reports whether an access token with the scopes may read userInfo.
func GrantsUserInfo(scopes []string) bool {
	return slices.Contains(scopes, ScopeOpenID) || slices.Contains(scopes, ScopeCognitoAdmin)
}

// standardAttributes are the OIDC standard claims a pool stores, except sub.
var standardAttributes = []string{
	"name", "given_name", "family_name", "middle_name", "nickname", "preferred_username",
	"profile", "picture", "website", "email", "email_verified", "gender", "birthdate",
	"zoneinfo", "locale", "phone_number", "phone_number_verified", "address", "updated_at",
}

// scopeAttributes are the attributes each attribute scope selects (profile also selects the
// custom attributes).
var scopeAttributes = map[string][]string{
	ScopeEmail: {"email", "email_verified"},
	ScopePhone: {"phone_number", "phone_number_verified"},
	ScopeProfile: {"name", "family_name", "given_name", "middle_name", "nickname", "preferred_username",
		"profile", "picture", "website", "gender", "birthdate", "zoneinfo", "locale", "updated_at", "address"},
}

// Attributes returns the user's attribute claims that the scopes and the client's read
// attributes allow (see the package doc), converted to their claim types. It never includes sub.
func Attributes(u User, scopes, readAttributes []string) Claims {
	readable := func(name string) bool {
		if len(readAttributes) > 0 {
			return slices.Contains(readAttributes, name)
		}
		return slices.Contains(standardAttributes, name)
	}
	all := true // openid alone, or no OAuth scopes: every readable attribute
	allowed := map[string]bool{}
	custom := false
	for _, s := range scopes {
		if names, ok := scopeAttributes[s]; ok {
			all = false
			for _, n := range names {
				allowed[n] = true
			}
			custom = custom || s == ScopeProfile
		}
	}
	c := Claims{}
	for name, value := range u.Attributes {
		isCustom := strings.HasPrefix(name, "custom:")
		switch {
		case !isCustom && !slices.Contains(standardAttributes, name):
			continue // sub, dev:* and anything that is not an attribute claim
		case !readable(name):
			continue
		case !all && !allowed[name] && !(isCustom && custom):
			continue
		}
		if v, ok := claimValue(name, value); ok {
			c[name] = v
		}
	}
	return c
}

// claimValue converts a stored attribute value to its claim type.
func claimValue(name, value string) (any, bool) {
	switch name {
	case "email_verified", "phone_number_verified":
		b, err := strconv.ParseBool(value)
		return b, err == nil
	case "updated_at":
		n, err := strconv.ParseInt(value, 10, 64)
		return n, err == nil
	case "address":
		var obj map[string]any
		if json.Unmarshal([]byte(value), &obj) == nil {
			return obj, true
		}
		return map[string]any{"formatted": value}, true
	}
	return value, true
}

// JoinScopes returns the "scope" claim: the scopes space-separated, duplicates dropped.
func JoinScopes(scopes []string) string {
	var out []string
	for _, s := range scopes {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return strings.Join(out, " ")
}

// groupNames orders the groups by precedence (lowest first, none last), then by name.
func groupNames(groups []Group) []string {
	sorted := slices.Clone(groups)
	slices.SortFunc(sorted, func(a, b Group) int {
		switch {
		case a.Precedence != nil && b.Precedence != nil:
			if d := cmp.Compare(*a.Precedence, *b.Precedence); d != 0 {
				return d
			}
		case a.Precedence != nil:
			return -1
		case b.Precedence != nil:
			return 1
		}
		return cmp.Compare(a.Name, b.Name)
	})
	names := make([]string, len(sorted))
	for i, g := range sorted {
		names[i] = g.Name
	}
	return names
}

func setIf(c Claims, name, value string) {
	if value != "" {
		c[name] = value
	}
}

type field struct{ name, value string }

// check reports the first missing input of a token.
func check(what string, iat time.Time, lifetime time.Duration, fields ...field) error {
	for _, f := range fields {
		if f.value == "" {
			return fmt.Errorf("build %s: %s is required", what, f.name)
		}
	}
	if iat.IsZero() {
		return fmt.Errorf("build %s: issue time is required", what)
	}
	if lifetime <= 0 {
		return fmt.Errorf("build %s: lifetime must be positive, got %s", what, lifetime)
	}
	return nil
}
