package cognito

import (
	"context"

	"github.com/userpool/userpool/pool"
)

type resourceServerOut struct {
	ResourceServer *pool.ResourceServer `json:"ResourceServer"`
}

type createResourceServerIn struct {
	UserPoolId string `required:"true"`
	Identifier string `required:"true"`
	Name       string `required:"true"`
	Scopes     []pool.Scope
}

func (h *Handler) createResourceServer(ctx context.Context, in *createResourceServerIn) (*resourceServerOut, error) {
	rs, err := h.Pools.CreateResourceServer(ctx, &pool.ResourceServer{UserPoolId: in.UserPoolId,
		Identifier: in.Identifier, Name: in.Name, Scopes: in.Scopes})
	if err != nil {
		return nil, err
	}
	return &resourceServerOut{ResourceServer: rs}, nil
}

type resourceServerIDIn struct {
	UserPoolId string `required:"true"`
	Identifier string `required:"true"`
}

func (h *Handler) describeResourceServer(ctx context.Context, in *resourceServerIDIn) (*resourceServerOut, error) {
	rs, err := h.Pools.GetResourceServer(ctx, in.UserPoolId, in.Identifier)
	if err != nil {
		return nil, err
	}
	return &resourceServerOut{ResourceServer: rs}, nil
}

func (h *Handler) deleteResourceServer(ctx context.Context, in *resourceServerIDIn) (*empty, error) {
	return &empty{}, h.Pools.DeleteResourceServer(ctx, in.UserPoolId, in.Identifier)
}

type listResourceServersOut struct {
	ResourceServers []*pool.ResourceServer `json:"ResourceServers"`
	NextToken       *string                `json:"NextToken,omitempty"`
}

func (h *Handler) listResourceServers(ctx context.Context, in *listPageIn) (*listResourceServersOut, error) {
	servers, next, err := h.Pools.ListResourceServers(ctx, in.UserPoolId, pool.Page{After: str(in.NextToken), Limit: orDefault(in.MaxResults, 50)})
	if err != nil {
		return nil, err
	}
	if servers == nil {
		servers = []*pool.ResourceServer{}
	}
	return &listResourceServersOut{ResourceServers: servers, NextToken: pageToken(next)}, nil
}
