package token

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/keys"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/trigger"
	"github.com/userpool/userpool/user"
)

// Users loads users and their groups; *user.Service is one.
type Users interface {
	GetUser(ctx context.Context, poolID string, by user.Lookup) (*user.User, error)
	ListGroupsForUser(ctx context.Context, poolID, sub string, page pool.Page) ([]*pool.Group, string, error)
}

// LoadUser loads the user a token is issued for: the user must exist and be enabled, and the
// token lists all its groups.
func LoadUser(ctx context.Context, users Users, poolID, sub string) (*User, error) {
	u, err := users.GetUser(ctx, poolID, user.Lookup{Kind: user.BySub, Key: sub})
	if err != nil {
		return nil, err
	}
	if !u.Enabled {
		return nil, errs.New(errs.NotAuthorized, "User is disabled.")
	}
	tu := &User{Sub: u.Sub, Username: u.Username, Attributes: u.Attributes}
	page := pool.Page{Limit: 60}
	for {
		groups, next, err := users.ListGroupsForUser(ctx, poolID, sub, page)
		if err != nil {
			return nil, err
		}
		for _, g := range groups {
			tu.Groups = append(tu.Groups, Group{Name: g.GroupName, Precedence: g.Precedence})
		}
		if next == "" {
			return tu, nil
		}
		page.After = next
	}
}

// SigningKeys finds the key a pool signs with; *keys.Service is one.
type SigningKeys interface {
	EnsureKey(ctx context.Context, poolID string, alg jose.SignatureAlgorithm) error
	SigningKey(ctx context.Context, poolID string) (*keys.SigningKey, error)
}

// Minter signs ID and access tokens for the Cognito API. The OIDC provider has zitadel/oidc
// sign the same claim sets (IDToken, AccessToken) with the same keys.
type Minter struct {
	Keys SigningKeys
	// Triggers, when set, runs the pool's pre token generation trigger on the claim sets
	// before they are signed.
	Triggers TokenTrigger
	ensured  sync.Map // pool id + "/" + alg → true once EnsureKey ran in this process
}

// MintInput is one issue of a user's tokens.
type MintInput struct {
	Pool     *pool.Pool
	Issuer   string
	Client   *pool.Client
	User     User
	Scopes   []string // the access token's scopes
	AuthTime time.Time
	IssuedAt time.Time
	// OriginJTI is the token family (session.Family.ID) that revocation acts on.
	OriginJTI string
	// Source is the pre token generation trigger's source ("" = TokenGeneration_Authentication).
	Source trigger.Source
	// ClientMetadata is the request's ClientMetadata, passed to the pre token generation trigger.
	ClientMetadata map[string]string
	// AMR is how the user signed in (RFC 8176: pwd, otp, sms, mfa), the ID token's amr claim.
	AMR []string
}

// TokenTrigger is the pre token generation trigger (*trigger.Service).
type TokenTrigger interface {
	PreTokenGeneration(ctx context.Context, p *pool.Pool, in *trigger.TokenInput) error
}

// Minted is a signed access and ID token pair.
type Minted struct {
	AccessToken string
	IDToken     string
	// ExpiresIn is the access token's lifetime (the response's ExpiresIn).
	ExpiresIn time.Duration
}

// Mint signs an access token and an ID token with the pool's current key for its algorithm.
// The ID token carries every attribute the client may read (no OAuth scopes select them).
func (m *Minter) Mint(ctx context.Context, in MintInput) (*Minted, error) {
	alg := in.Pool.Algorithm()
	if _, ok := m.ensured.Load(in.Pool.Id + "/" + alg); !ok {
		if err := m.Keys.EnsureKey(ctx, in.Pool.Id, jose.SignatureAlgorithm(alg)); err != nil {
			return nil, fmt.Errorf("mint tokens: %w", err)
		}
		m.ensured.Store(in.Pool.Id+"/"+alg, true)
	}
	key, err := m.Keys.SigningKey(ctx, in.Pool.Id)
	if err != nil {
		return nil, fmt.Errorf("mint tokens: %w", err)
	}
	c := in.Client
	g, err := Generate(ctx, m.Triggers, in.Pool, Generation{Source: in.Source, ClientMetadata: in.ClientMetadata,
		Access: AccessTokenInput{Issuer: in.Issuer, ClientID: c.ClientId, User: in.User, Scopes: in.Scopes,
			AuthTime: in.AuthTime, IssuedAt: in.IssuedAt, Lifetime: c.AccessTokenTTL(), JTI: NewJTI(), OriginJTI: in.OriginJTI},
		ID: IDTokenInput{Issuer: in.Issuer, ClientID: c.ClientId, User: in.User, ReadAttributes: c.ReadAttributes,
			AuthTime: in.AuthTime, IssuedAt: in.IssuedAt, Lifetime: c.IDTokenTTL(), JTI: NewJTI(), OriginJTI: in.OriginJTI, AMR: in.AMR}})
	if err != nil {
		return nil, err
	}
	access, id := g.Access, g.ID
	out := &Minted{ExpiresIn: c.AccessTokenTTL()}
	if out.AccessToken, err = Sign(key, access); err != nil {
		return nil, fmt.Errorf("mint tokens: %w", err)
	}
	if out.IDToken, err = Sign(key, id); err != nil {
		return nil, fmt.Errorf("mint tokens: %w", err)
	}
	return out, nil
}

// Generation is one issue of a user's ID and access tokens before they are signed: the input
// of both claim sets, and what the pre token generation trigger is told.
type Generation struct {
	Source         trigger.Source // "" = TokenGeneration_Authentication
	ClientMetadata map[string]string
	ID             IDTokenInput
	Access         AccessTokenInput
}

// Generated are the claim sets to sign, and the access token's scopes, after the trigger. ID
// is empty when the openid scope was not granted.
type Generated struct {
	ID, Access Claims
	Scopes     []string
}

// Generate builds the claim sets of g and lets the pool's pre token generation trigger (t; nil
// runs none) add, override and suppress claims and scopes. It is the one place both surfaces
// (the Minter of the Cognito API, the OIDC provider, which has zitadel/oidc sign) apply the
// trigger, so the rules on reserved claims hold everywhere. A trigger error is returned as is
// (Cognito's UserLambdaValidation, UnexpectedLambda or InvalidLambdaResponse).
func Generate(ctx context.Context, t TokenTrigger, p *pool.Pool, g Generation) (*Generated, error) {
	access, err := AccessToken(g.Access)
	if err != nil {
		return nil, fmt.Errorf("generate tokens: %w", err)
	}
	// Without the openid scope there is no ID token (the OIDC provider drops the one op
	// insists on signing): its claims stay empty.
	id := Claims{}
	if g.ID.Scopes == nil || slices.Contains(g.ID.Scopes, ScopeOpenID) {
		if id, err = IDToken(g.ID); err != nil {
			return nil, fmt.Errorf("generate tokens: %w", err)
		}
	}
	out := &Generated{ID: id, Access: access, Scopes: g.Access.Scopes}
	if t == nil {
		return out, nil
	}
	src := g.Source
	if src == "" {
		src = trigger.TokenGenerationAuthentication
	}
	u := g.Access.User
	attrs := make(map[string]string, len(u.Attributes)+1)
	for k, v := range u.Attributes {
		attrs[k] = v
	}
	attrs["sub"] = u.Sub
	in := &trigger.TokenInput{Source: src, ClientID: g.Access.ClientID, UserName: u.Username, UserAttributes: attrs,
		Groups: groupNames(u.Groups), ClientMetadata: g.ClientMetadata, Scopes: slices.Clone(g.Access.Scopes), ID: id, Access: access}
	if err := t.PreTokenGeneration(ctx, p, in); err != nil {
		return nil, err
	}
	out.Scopes = in.Scopes
	return out, nil
}
