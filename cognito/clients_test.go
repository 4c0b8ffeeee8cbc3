package cognito_test

import (
	"regexp"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

var clientIDRE = regexp.MustCompile(`^[a-z0-9]{26}$`)

func TestUserPoolClients(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	id := e.createPool(t, nil)

	web := must(e.api.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: &id, ClientName: aws.String("web"), GenerateSecret: true,
		AllowedOAuthFlows: []types.OAuthFlowType{types.OAuthFlowTypeCode}, AllowedOAuthFlowsUserPoolClient: true,
		AllowedOAuthScopes: []string{"openid", "email"}, CallbackURLs: []string{"https://app.example.com/cb"},
		AccessTokenValidity: aws.Int32(30), TokenValidityUnits: &types.TokenValidityUnitsType{AccessToken: types.TimeUnitsTypeMinutes},
	})).ok(t).UserPoolClient
	webID := aws.ToString(web.ClientId)
	if !clientIDRE.MatchString(webID) || len(aws.ToString(web.ClientSecret)) < 24 || web.CreationDate == nil {
		t.Fatalf("created client: id %q, secret length %d, created %v", webID, len(aws.ToString(web.ClientSecret)), web.CreationDate)
	}
	if aws.ToInt32(web.AccessTokenValidity) != 30 || web.TokenValidityUnits.AccessToken != types.TimeUnitsTypeMinutes ||
		web.TokenValidityUnits.RefreshToken != types.TimeUnitsTypeDays || web.RefreshTokenValidity != 30 || !aws.ToBool(web.EnableTokenRevocation) {
		t.Errorf("token settings: %d %+v refresh %d revocation %v", aws.ToInt32(web.AccessTokenValidity), web.TokenValidityUnits, web.RefreshTokenValidity, web.EnableTokenRevocation)
	}

	// Describe returns the secret too, as Cognito does.
	desc := must(e.api.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: &id, ClientId: &webID})).ok(t).UserPoolClient
	if aws.ToString(desc.ClientSecret) != aws.ToString(web.ClientSecret) || aws.ToString(desc.ClientName) != "web" || !slices.Equal(desc.CallbackURLs, web.CallbackURLs) {
		t.Errorf("described client = %+v", desc)
	}

	spa := must(e.api.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: &id, ClientName: aws.String("spa"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserSrpAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}})).ok(t).UserPoolClient
	if spa.ClientSecret != nil || len(spa.ExplicitAuthFlows) != 2 {
		t.Errorf("spa client: secret %v, flows %v", spa.ClientSecret, spa.ExplicitAuthFlows)
	}

	// Update: omitted settings reset, the secret and the name stay.
	up := must(e.api.UpdateUserPoolClient(ctx, &cip.UpdateUserPoolClientInput{UserPoolId: &id, ClientId: &webID,
		EnableTokenRevocation: aws.Bool(false), ReadAttributes: []string{"email"}})).ok(t).UserPoolClient
	if aws.ToString(up.ClientSecret) != aws.ToString(web.ClientSecret) || aws.ToString(up.ClientName) != "web" || len(up.AllowedOAuthFlows) != 0 ||
		aws.ToBool(up.EnableTokenRevocation) || aws.ToInt32(up.AccessTokenValidity) != 1 || !slices.Equal(up.ReadAttributes, []string{"email"}) {
		t.Errorf("updated client = %+v", up)
	}
	up = must(e.api.UpdateUserPoolClient(ctx, &cip.UpdateUserPoolClientInput{UserPoolId: &id, ClientId: &webID, ClientName: aws.String("web2")})).ok(t).UserPoolClient
	if aws.ToString(up.ClientName) != "web2" {
		t.Errorf("renamed client = %q", aws.ToString(up.ClientName))
	}

	names := map[string]bool{}
	var token *string
	for {
		out := must(e.api.ListUserPoolClients(ctx, &cip.ListUserPoolClientsInput{UserPoolId: &id, MaxResults: aws.Int32(1), NextToken: token})).ok(t)
		for _, c := range out.UserPoolClients {
			names[aws.ToString(c.ClientName)] = aws.ToString(c.UserPoolId) == id
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	if len(names) != 2 || !names["web2"] || !names["spa"] {
		t.Errorf("listed clients %v", names)
	}

	must(e.api.DeleteUserPoolClient(ctx, &cip.DeleteUserPoolClientInput{UserPoolId: &id, ClientId: &webID})).ok(t)
	_, err := e.api.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: &id, ClientId: &webID})
	wantErr[*types.ResourceNotFoundException](t, err)
	_, err = e.api.DeleteUserPoolClient(ctx, &cip.DeleteUserPoolClientInput{UserPoolId: &id, ClientId: &webID})
	wantErr[*types.ResourceNotFoundException](t, err)

	// A client cannot be reached through another pool.
	other := e.createPool(t, nil)
	spaID := aws.ToString(spa.ClientId)
	_, err = e.api.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: &other, ClientId: &spaID})
	wantErr[*types.ResourceNotFoundException](t, err)
}

func TestUserPoolClientBadInput(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	id := e.createPool(t, nil)
	tests := []struct {
		name string
		in   cip.CreateUserPoolClientInput
		// invalidFlow: InvalidOAuthFlowException instead of InvalidParameterException.
		invalidFlow bool
	}{
		{"bad name", cip.CreateUserPoolClientInput{ClientName: aws.String("a/b")}, false},
		{"access token too long", cip.CreateUserPoolClientInput{AccessTokenValidity: aws.Int32(2), TokenValidityUnits: &types.TokenValidityUnitsType{AccessToken: types.TimeUnitsTypeDays}}, false},
		{"refresh token too short", cip.CreateUserPoolClientInput{RefreshTokenValidity: 30, TokenValidityUnits: &types.TokenValidityUnitsType{RefreshToken: types.TimeUnitsTypeMinutes}}, false},
		{"oauth without scopes", cip.CreateUserPoolClientInput{AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: []types.OAuthFlowType{"code"}, CallbackURLs: []string{"https://a.example/cb"}}, false},
		{"client_credentials without secret", cip.CreateUserPoolClientInput{AllowedOAuthFlowsUserPoolClient: true,
			AllowedOAuthFlows: []types.OAuthFlowType{"client_credentials"}, AllowedOAuthScopes: []string{"openid"}}, true},
		{"unknown auth flow", cip.CreateUserPoolClientInput{ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_MAGIC"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.UserPoolId = &id
			if in.ClientName == nil {
				in.ClientName = aws.String("bad")
			}
			_, err := e.api.CreateUserPoolClient(ctx, &in)
			if tt.invalidFlow {
				wantErr[*types.InvalidOAuthFlowException](t, err)
			} else {
				wantErr[*types.InvalidParameterException](t, err)
			}
		})
	}
	if out := must(e.api.ListUserPoolClients(ctx, &cip.ListUserPoolClientsInput{UserPoolId: &id})).ok(t); len(out.UserPoolClients) != 0 {
		t.Errorf("bad input created clients %+v", out.UserPoolClients)
	}
	_, err := e.api.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String("local_doesnotex"), ClientName: aws.String("x")})
	wantErr[*types.ResourceNotFoundException](t, err)
	_, err = e.api.ListUserPoolClients(ctx, &cip.ListUserPoolClientsInput{UserPoolId: &id, MaxResults: aws.Int32(61)})
	wantErr[*types.InvalidParameterException](t, err)
}

func TestResourceServers(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	id := e.createPool(t, nil)
	rs := must(e.api.CreateResourceServer(ctx, &cip.CreateResourceServerInput{UserPoolId: &id,
		Identifier: aws.String("https://api.example.com"), Name: aws.String("api"),
		Scopes: []types.ResourceServerScopeType{{ScopeName: aws.String("read"), ScopeDescription: aws.String("Read things")}}})).ok(t).ResourceServer
	if aws.ToString(rs.Identifier) != "https://api.example.com" || aws.ToString(rs.UserPoolId) != id || len(rs.Scopes) != 1 {
		t.Errorf("created resource server %+v", rs)
	}
	must(e.api.CreateResourceServer(ctx, &cip.CreateResourceServerInput{UserPoolId: &id, Identifier: aws.String("orders"), Name: aws.String("orders")})).ok(t)

	_, err := e.api.CreateResourceServer(ctx, &cip.CreateResourceServerInput{UserPoolId: &id, Identifier: aws.String("orders"), Name: aws.String("again")})
	wantErr[*types.InvalidParameterException](t, err)
	_, err = e.api.CreateResourceServer(ctx, &cip.CreateResourceServerInput{UserPoolId: &id, Identifier: aws.String("bad scopes"), Name: aws.String("x"),
		Scopes: []types.ResourceServerScopeType{{ScopeName: aws.String("has space"), ScopeDescription: aws.String("x")}}})
	wantErr[*types.InvalidParameterException](t, err)

	// A client may use the custom scope once it exists.
	must(e.api.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: &id, ClientName: aws.String("m2m"), GenerateSecret: true,
		AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: []types.OAuthFlowType{"client_credentials"},
		AllowedOAuthScopes: []string{"https://api.example.com/read"}})).ok(t)
	_, err = e.api.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: &id, ClientName: aws.String("m2m"), GenerateSecret: true,
		AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: []types.OAuthFlowType{"client_credentials"},
		AllowedOAuthScopes: []string{"https://api.example.com/write"}})
	wantErr[*types.ScopeDoesNotExistException](t, err)

	desc := must(e.api.DescribeResourceServer(ctx, &cip.DescribeResourceServerInput{UserPoolId: &id, Identifier: aws.String("https://api.example.com")})).ok(t).ResourceServer
	if aws.ToString(desc.Name) != "api" || aws.ToString(desc.Scopes[0].ScopeDescription) != "Read things" {
		t.Errorf("described resource server %+v", desc)
	}

	var all []string
	var token *string
	for {
		out := must(e.api.ListResourceServers(ctx, &cip.ListResourceServersInput{UserPoolId: &id, MaxResults: aws.Int32(1), NextToken: token})).ok(t)
		for _, r := range out.ResourceServers {
			all = append(all, aws.ToString(r.Identifier))
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	slices.Sort(all)
	if !slices.Equal(all, []string{"https://api.example.com", "orders"}) {
		t.Errorf("listed %v", all)
	}

	must(e.api.DeleteResourceServer(ctx, &cip.DeleteResourceServerInput{UserPoolId: &id, Identifier: aws.String("orders")})).ok(t)
	_, err = e.api.DescribeResourceServer(ctx, &cip.DescribeResourceServerInput{UserPoolId: &id, Identifier: aws.String("orders")})
	wantErr[*types.ResourceNotFoundException](t, err)
	_, err = e.api.DeleteResourceServer(ctx, &cip.DeleteResourceServerInput{UserPoolId: &id, Identifier: aws.String("orders")})
	wantErr[*types.ResourceNotFoundException](t, err)
}
