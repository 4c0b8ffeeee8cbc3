package cognito

import (
	"context"

	"github.com/userpool/userpool/pool"
)

type groupOut struct {
	Group groupType `json:"Group"`
}

type groupIn struct {
	UserPoolId  string `required:"true"`
	GroupName   string `required:"true"`
	Description *string
	RoleArn     *string
	Precedence  *int
}

func (h *Handler) createGroup(ctx context.Context, in *groupIn) (*groupOut, error) {
	g, err := h.Pools.CreateGroup(ctx, &pool.Group{UserPoolId: in.UserPoolId, GroupName: in.GroupName,
		Description: str(in.Description), RoleArn: str(in.RoleArn), Precedence: in.Precedence})
	if err != nil {
		return nil, err
	}
	return &groupOut{Group: toGroupType(g)}, nil
}

type groupNameIn struct {
	UserPoolId string `required:"true"`
	GroupName  string `required:"true"`
}

func (h *Handler) getGroup(ctx context.Context, in *groupNameIn) (*groupOut, error) {
	g, err := h.Pools.GetGroup(ctx, in.UserPoolId, in.GroupName)
	if err != nil {
		return nil, err
	}
	return &groupOut{Group: toGroupType(g)}, nil
}

// updateGroup changes only the members sent, as Cognito does.
func (h *Handler) updateGroup(ctx context.Context, in *groupIn) (*groupOut, error) {
	g, err := h.Pools.GetGroup(ctx, in.UserPoolId, in.GroupName)
	if err != nil {
		return nil, err
	}
	if in.Description != nil {
		g.Description = *in.Description
	}
	if in.RoleArn != nil {
		g.RoleArn = *in.RoleArn
	}
	if in.Precedence != nil {
		g.Precedence = in.Precedence
	}
	if g, err = h.Pools.UpdateGroup(ctx, g); err != nil {
		return nil, err
	}
	return &groupOut{Group: toGroupType(g)}, nil
}

func (h *Handler) deleteGroup(ctx context.Context, in *groupNameIn) (*empty, error) {
	return &empty{}, h.Pools.DeleteGroup(ctx, in.UserPoolId, in.GroupName)
}

type listGroupsIn struct {
	UserPoolId string `required:"true"`
	Limit      int
	NextToken  *string
}

type listGroupsOut struct {
	Groups    []groupType `json:"Groups"`
	NextToken *string     `json:"NextToken,omitempty"`
}

func (h *Handler) listGroups(ctx context.Context, in *listGroupsIn) (*listGroupsOut, error) {
	groups, next, err := h.Pools.ListGroups(ctx, in.UserPoolId, pool.Page{After: str(in.NextToken), Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	return &listGroupsOut{Groups: toGroupTypes(groups), NextToken: pageToken(next)}, nil
}

type membershipIn struct {
	UserPoolId string `required:"true"`
	Username   string `required:"true"`
	GroupName  string `required:"true"`
}

func (h *Handler) adminAddUserToGroup(ctx context.Context, in *membershipIn) (*empty, error) {
	return &empty{}, h.Users.AddToGroup(ctx, in.UserPoolId, in.Username, in.GroupName)
}

func (h *Handler) adminRemoveUserFromGroup(ctx context.Context, in *membershipIn) (*empty, error) {
	return &empty{}, h.Users.RemoveFromGroup(ctx, in.UserPoolId, in.Username, in.GroupName)
}

type adminListGroupsForUserIn struct {
	UserPoolId string `required:"true"`
	Username   string `required:"true"`
	Limit      int
	NextToken  *string
}

func (h *Handler) adminListGroupsForUser(ctx context.Context, in *adminListGroupsForUserIn) (*listGroupsOut, error) {
	groups, next, err := h.Users.ListGroupsForUser(ctx, in.UserPoolId, in.Username, pool.Page{After: str(in.NextToken), Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	return &listGroupsOut{Groups: toGroupTypes(groups), NextToken: pageToken(next)}, nil
}

type listUsersInGroupIn struct {
	UserPoolId string `required:"true"`
	GroupName  string `required:"true"`
	Limit      int
	NextToken  *string
}

type listUsersInGroupOut struct {
	Users     []userType `json:"Users"`
	NextToken *string    `json:"NextToken,omitempty"`
}

func (h *Handler) listUsersInGroup(ctx context.Context, in *listUsersInGroupIn) (*listUsersInGroupOut, error) {
	users, next, err := h.Users.ListUsersInGroup(ctx, in.UserPoolId, in.GroupName, pool.Page{After: str(in.NextToken), Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	return &listUsersInGroupOut{Users: toUserTypes(users, nil), NextToken: pageToken(next)}, nil
}
