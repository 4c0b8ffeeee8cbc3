package cognito

import (
	"cmp"
	"context"

	"github.com/userpool/userpool/pool"
)

// userPoolClientType is Cognito's UserPoolClientType.
type userPoolClientType struct {
	*pool.Client
	CreationDate     epoch `json:"CreationDate"`
	LastModifiedDate epoch `json:"LastModifiedDate"`
}

type userPoolClientOut struct {
	UserPoolClient userPoolClientType `json:"UserPoolClient"`
}

func clientOut(c *pool.Client) *userPoolClientOut {
	return &userPoolClientOut{UserPoolClient: userPoolClientType{Client: c,
		CreationDate: epoch(c.CreationDate), LastModifiedDate: epoch(c.LastModifiedDate)}}
}

// clientSettingsIn are the members CreateUserPoolClient and UpdateUserPoolClient share.
// Absent members take Cognito's defaults (pool.ClientDefaults).
type clientSettingsIn struct {
	CallbackURLs                    []string
	LogoutURLs                      []string
	DefaultRedirectURI              string
	AllowedOAuthFlows               []string
	AllowedOAuthScopes              []string
	AllowedOAuthFlowsUserPoolClient bool
	ExplicitAuthFlows               []string
	SupportedIdentityProviders      []string
	AccessTokenValidity             *int
	IdTokenValidity                 *int
	RefreshTokenValidity            *int
	TokenValidityUnits              *pool.TokenValidityUnits
	ReadAttributes                  []string
	WriteAttributes                 []string
	PreventUserExistenceErrors      *string
	EnableTokenRevocation           *bool
	AuthSessionValidity             *int
	RefreshTokenRotation            *pool.RefreshTokenRotation
	// Beyond Cognito: RFC 8252 loopback redirects with any port.
	AllowLoopbackRedirectAnyPort bool
}

func (in *clientSettingsIn) client(poolID, name string) *pool.Client {
	c := pool.ClientDefaults()
	c.UserPoolId, c.ClientName = poolID, name
	c.CallbackURLs = in.CallbackURLs
	c.LogoutURLs = in.LogoutURLs
	c.DefaultRedirectURI = in.DefaultRedirectURI
	c.AllowedOAuthFlows = in.AllowedOAuthFlows
	c.AllowedOAuthScopes = in.AllowedOAuthScopes
	c.AllowedOAuthFlowsUserPoolClient = in.AllowedOAuthFlowsUserPoolClient
	if in.ExplicitAuthFlows != nil {
		c.ExplicitAuthFlows = in.ExplicitAuthFlows
	}
	c.SupportedIdentityProviders = in.SupportedIdentityProviders
	c.AccessTokenValidity = orDefault(in.AccessTokenValidity, c.AccessTokenValidity)
	c.IdTokenValidity = orDefault(in.IdTokenValidity, c.IdTokenValidity)
	c.RefreshTokenValidity = orDefault(in.RefreshTokenValidity, c.RefreshTokenValidity)
	if u := in.TokenValidityUnits; u != nil {
		c.TokenValidityUnits.AccessToken = cmp.Or(u.AccessToken, c.TokenValidityUnits.AccessToken)
		c.TokenValidityUnits.IdToken = cmp.Or(u.IdToken, c.TokenValidityUnits.IdToken)
		c.TokenValidityUnits.RefreshToken = cmp.Or(u.RefreshToken, c.TokenValidityUnits.RefreshToken)
	}
	c.ReadAttributes = in.ReadAttributes
	c.WriteAttributes = in.WriteAttributes
	c.PreventUserExistenceErrors = orDefault(in.PreventUserExistenceErrors, c.PreventUserExistenceErrors)
	c.EnableTokenRevocation = orDefault(in.EnableTokenRevocation, c.EnableTokenRevocation)
	c.AuthSessionValidity = orDefault(in.AuthSessionValidity, c.AuthSessionValidity)
	c.RefreshTokenRotation = in.RefreshTokenRotation
	c.AllowLoopbackRedirectAnyPort = in.AllowLoopbackRedirectAnyPort
	return &c
}

type createUserPoolClientIn struct {
	UserPoolId     string `required:"true"`
	ClientName     string `required:"true"`
	GenerateSecret bool
	ClientSecret   string
	clientSettingsIn
}

func (h *Handler) createUserPoolClient(ctx context.Context, in *createUserPoolClientIn) (*userPoolClientOut, error) {
	c := in.client(in.UserPoolId, in.ClientName)
	c.ClientSecret = in.ClientSecret
	created, err := h.Pools.CreateClient(ctx, c, in.GenerateSecret)
	if err != nil {
		return nil, err
	}
	return clientOut(created), nil
}

type clientIDIn struct {
	UserPoolId string `required:"true"`
	ClientId   string `required:"true"`
}

func (h *Handler) describeUserPoolClient(ctx context.Context, in *clientIDIn) (*userPoolClientOut, error) {
	c, err := h.Pools.GetClient(ctx, in.UserPoolId, in.ClientId)
	if err != nil {
		return nil, err
	}
	return clientOut(c), nil
}

type updateUserPoolClientIn struct {
	UserPoolId string `required:"true"`
	ClientId   string `required:"true"`
	ClientName *string
	clientSettingsIn
}

func (h *Handler) updateUserPoolClient(ctx context.Context, in *updateUserPoolClientIn) (*userPoolClientOut, error) {
	name := str(in.ClientName)
	if in.ClientName == nil {
		// Everything else resets to its default when omitted, but a client keeps its name.
		cur, err := h.Pools.GetClient(ctx, in.UserPoolId, in.ClientId)
		if err != nil {
			return nil, err
		}
		name = cur.ClientName
	}
	c := in.client(in.UserPoolId, name)
	c.ClientId = in.ClientId
	updated, err := h.Pools.UpdateClient(ctx, c)
	if err != nil {
		return nil, err
	}
	return clientOut(updated), nil
}

func (h *Handler) deleteUserPoolClient(ctx context.Context, in *clientIDIn) (*empty, error) {
	return &empty{}, h.Pools.DeleteClient(ctx, in.UserPoolId, in.ClientId)
}

type listPageIn struct {
	UserPoolId string `required:"true"`
	MaxResults *int
	NextToken  *string
}

type clientDescription struct {
	ClientId   string `json:"ClientId"`
	ClientName string `json:"ClientName"`
	UserPoolId string `json:"UserPoolId"`
}

type listUserPoolClientsOut struct {
	UserPoolClients []clientDescription `json:"UserPoolClients"`
	NextToken       *string             `json:"NextToken,omitempty"`
}

func (h *Handler) listUserPoolClients(ctx context.Context, in *listPageIn) (*listUserPoolClientsOut, error) {
	clients, next, err := h.Pools.ListClients(ctx, in.UserPoolId, pool.Page{After: str(in.NextToken), Limit: orDefault(in.MaxResults, 60)})
	if err != nil {
		return nil, err
	}
	out := &listUserPoolClientsOut{UserPoolClients: make([]clientDescription, 0, len(clients)), NextToken: pageToken(next)}
	for _, c := range clients {
		out.UserPoolClients = append(out.UserPoolClients, clientDescription{ClientId: c.ClientId, ClientName: c.ClientName, UserPoolId: c.UserPoolId})
	}
	return out, nil
}
