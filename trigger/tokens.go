package trigger

import (
	"context"
	"slices"
	"strings"

	"github.com/userpool/userpool/pool"
)

// reserved claims cannot be added, overridden or suppressed: Cognito's list, plus the claims
// that only scopesToAdd / scopesToSuppress (scope) or the server (client_id, username, version,
// event_id) set.
var reserved = map[string]bool{
	"acr": true, "amr": true, "aud": true, "at_hash": true, "auth_time": true, "azp": true, "cognito:username": true,
	"exp": true, "iat": true, "identities": true, "iss": true, "jti": true, "nbf": true, "nonce": true,
	"origin_jti": true, "sub": true, "token_use": true,
	"scope": true, "client_id": true, "username": true, "version": true, "event_id": true,
}

// TokenInput is one issue of a user's tokens: who, for which client, and the claim sets the
// pre token generation trigger may change (in place) before they are signed.
type TokenInput struct {
	Source         Source
	ClientID       string
	UserName       string
	UserAttributes map[string]string
	Groups         []string
	ClientMetadata map[string]string
	// Scopes are the access token's scopes; the trigger may add and suppress some, and Access's
	// "scope" claim is rewritten to match.
	Scopes     []string
	ID, Access map[string]any
}

// PreTokenGeneration calls the pre token generation trigger (the V2_0 event) and applies its
// answer to in: claims added, overridden or suppressed in each token (suppression wins), scopes
// added or suppressed, groups overridden. An answer touching a reserved claim is
// InvalidLambdaResponse, and nothing is changed.
func (s *Service) PreTokenGeneration(ctx context.Context, p *pool.Pool, in *TokenInput) error {
	if p.TriggerURL(pool.TriggerPreTokenGeneration) == "" {
		return nil
	}
	ev := &PreTokenGenerationEvent{
		Header: Header{TriggerSource: in.Source, UserName: in.UserName, CallerContext: CallerContext{ClientID: in.ClientID}},
		Request: PreTokenGenerationRequest{
			UserAttributes: orEmpty(in.UserAttributes),
			GroupConfiguration: GroupConfiguration{GroupsToOverride: orNone(in.Groups),
				IAMRolesToOverride: []string{}},
			Scopes:         orNone(in.Scopes),
			ClientMetadata: in.ClientMetadata,
		},
	}
	var resp PreTokenGenerationResponse
	check := func() error {
		d := resp.ClaimsAndScopeOverrideDetails
		if d == nil {
			return nil
		}
		for _, g := range []*TokenGeneration{d.IDTokenGeneration, d.AccessTokenGeneration} {
			if g == nil {
				continue
			}
			for name := range g.ClaimsToAddOrOverride {
				if reserved[name] {
					return invalid("the claim %s cannot be added or overridden", name)
				}
			}
			for _, name := range g.ClaimsToSuppress {
				if reserved[name] {
					return invalid("the claim %s cannot be suppressed", name)
				}
			}
		}
		if g := d.IDTokenGeneration; g != nil && (len(g.ScopesToAdd) > 0 || len(g.ScopesToSuppress) > 0) {
			return invalid("scopes belong to the access token: idTokenGeneration cannot change them")
		}
		if g := d.AccessTokenGeneration; g != nil {
			for _, sc := range g.ScopesToAdd {
				if sc == "" || strings.ContainsAny(sc, " \t\r\n") {
					return invalid("scopesToAdd holds an invalid scope %q", sc)
				}
			}
		}
		return nil
	}
	if err := s.invoke(ctx, p, pool.TriggerPreTokenGeneration, &ev.Header, ev, &resp, check); err != nil {
		return err
	}
	apply(in, resp.ClaimsAndScopeOverrideDetails)
	return nil
}

// apply changes in's claim sets as d says (already checked).
func apply(in *TokenInput, d *ClaimsAndScopeOverrideDetails) {
	if d == nil {
		return
	}
	if g := d.GroupOverrideDetails; g != nil {
		if g.GroupsToOverride != nil {
			setList(in.ID, "cognito:groups", g.GroupsToOverride)
			setList(in.Access, "cognito:groups", g.GroupsToOverride)
		}
		if g.IAMRolesToOverride != nil {
			setList(in.ID, "cognito:roles", g.IAMRolesToOverride)
		}
		if g.PreferredRole != nil {
			in.ID["cognito:preferred_role"] = *g.PreferredRole
		}
	}
	claims(in.ID, d.IDTokenGeneration)
	claims(in.Access, d.AccessTokenGeneration)
	if g := d.AccessTokenGeneration; g != nil && (len(g.ScopesToAdd) > 0 || len(g.ScopesToSuppress) > 0) {
		scopes := slices.Clone(in.Scopes)
		for _, sc := range g.ScopesToAdd {
			if !slices.Contains(scopes, sc) {
				scopes = append(scopes, sc)
			}
		}
		scopes = slices.DeleteFunc(scopes, func(sc string) bool { return slices.Contains(g.ScopesToSuppress, sc) })
		in.Scopes = scopes
		if len(scopes) == 0 {
			delete(in.Access, "scope")
		} else {
			in.Access["scope"] = strings.Join(scopes, " ")
		}
	}
}

func claims(c map[string]any, g *TokenGeneration) {
	if g == nil || c == nil {
		return
	}
	for k, v := range g.ClaimsToAddOrOverride {
		c[k] = v
	}
	for _, k := range g.ClaimsToSuppress {
		delete(c, k)
	}
}

func setList(c map[string]any, name string, values []string) {
	if c == nil {
		return
	}
	if len(values) == 0 {
		delete(c, name)
		return
	}
	c[name] = slices.Clone(values)
}

func orNone(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
