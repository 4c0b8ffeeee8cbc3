package cognito_test

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

func TestGroups(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	id := e.createPool(t, nil)

	g := must(e.api.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: &id, GroupName: aws.String("admins"),
		Description: aws.String("Administrators"), Precedence: aws.Int32(1)})).ok(t).Group
	if aws.ToString(g.GroupName) != "admins" || aws.ToString(g.UserPoolId) != id || aws.ToInt32(g.Precedence) != 1 || g.CreationDate == nil || g.LastModifiedDate == nil {
		t.Errorf("created group %+v", g)
	}
	must(e.api.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: &id, GroupName: aws.String("readers")})).ok(t)
	_, err := e.api.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: &id, GroupName: aws.String("admins")})
	wantErr[*types.GroupExistsException](t, err)
	_, err = e.api.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: &id, GroupName: aws.String("bad"), Precedence: aws.Int32(-1)})
	wantErr[*types.InvalidParameterException](t, err)
	_, err = e.api.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: aws.String("local_doesnotex"), GroupName: aws.String("x")})
	wantErr[*types.ResourceNotFoundException](t, err)

	// UpdateGroup changes only what is sent.
	up := must(e.api.UpdateGroup(ctx, &cip.UpdateGroupInput{UserPoolId: &id, GroupName: aws.String("admins"), Precedence: aws.Int32(5)})).ok(t).Group
	if aws.ToInt32(up.Precedence) != 5 || aws.ToString(up.Description) != "Administrators" || !up.CreationDate.Equal(*g.CreationDate) {
		t.Errorf("updated group %+v", up)
	}
	got := must(e.api.GetGroup(ctx, &cip.GetGroupInput{UserPoolId: &id, GroupName: aws.String("admins")})).ok(t).Group
	if aws.ToInt32(got.Precedence) != 5 || aws.ToString(got.Description) != "Administrators" {
		t.Errorf("GetGroup = %+v", got)
	}
	_, err = e.api.UpdateGroup(ctx, &cip.UpdateGroupInput{UserPoolId: &id, GroupName: aws.String("nosuch")})
	wantErr[*types.ResourceNotFoundException](t, err)

	var names []string
	var token *string
	for {
		out := must(e.api.ListGroups(ctx, &cip.ListGroupsInput{UserPoolId: &id, Limit: aws.Int32(1), NextToken: token})).ok(t)
		for _, g := range out.Groups {
			names = append(names, aws.ToString(g.GroupName))
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"admins", "readers"}) {
		t.Errorf("ListGroups = %v", names)
	}

	// Memberships.
	e.createUser(t, id, "alice")
	e.createUser(t, id, "bob")
	for _, m := range [][2]string{{"alice", "admins"}, {"alice", "readers"}, {"bob", "readers"}, {"bob", "readers"}} {
		must(e.api.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: &id, Username: aws.String(m[0]), GroupName: aws.String(m[1])})).ok(t)
	}
	_, err = e.api.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: &id, Username: aws.String("nobody"), GroupName: aws.String("readers")})
	wantErr[*types.UserNotFoundException](t, err)
	_, err = e.api.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: &id, Username: aws.String("alice"), GroupName: aws.String("nosuch")})
	wantErr[*types.ResourceNotFoundException](t, err)

	groupsOf := func(username string) []string {
		t.Helper()
		var names []string
		var token *string
		for {
			out := must(e.api.AdminListGroupsForUser(ctx, &cip.AdminListGroupsForUserInput{UserPoolId: &id, Username: &username, Limit: aws.Int32(1), NextToken: token})).ok(t)
			for _, g := range out.Groups {
				names = append(names, aws.ToString(g.GroupName))
			}
			if token = out.NextToken; token == nil {
				break
			}
		}
		slices.Sort(names)
		return names
	}
	usersIn := func(group string) []string {
		t.Helper()
		var names []string
		var token *string
		for {
			out := must(e.api.ListUsersInGroup(ctx, &cip.ListUsersInGroupInput{UserPoolId: &id, GroupName: &group, Limit: aws.Int32(1), NextToken: token})).ok(t)
			for _, u := range out.Users {
				names = append(names, aws.ToString(u.Username))
				if len(u.Attributes) == 0 {
					t.Errorf("user %s listed without attributes", aws.ToString(u.Username))
				}
			}
			if token = out.NextToken; token == nil {
				break
			}
		}
		slices.Sort(names)
		return names
	}
	if got := groupsOf("alice"); !slices.Equal(got, []string{"admins", "readers"}) {
		t.Errorf("groups of alice = %v", got)
	}
	if got := usersIn("readers"); !slices.Equal(got, []string{"alice", "bob"}) {
		t.Errorf("users in readers = %v", got)
	}
	_, err = e.api.AdminListGroupsForUser(ctx, &cip.AdminListGroupsForUserInput{UserPoolId: &id, Username: aws.String("nobody")})
	wantErr[*types.UserNotFoundException](t, err)
	_, err = e.api.ListUsersInGroup(ctx, &cip.ListUsersInGroupInput{UserPoolId: &id, GroupName: aws.String("nosuch")})
	wantErr[*types.ResourceNotFoundException](t, err)

	must(e.api.AdminRemoveUserFromGroup(ctx, &cip.AdminRemoveUserFromGroupInput{UserPoolId: &id, Username: aws.String("alice"), GroupName: aws.String("readers")})).ok(t)
	if got := groupsOf("alice"); !slices.Equal(got, []string{"admins"}) {
		t.Errorf("groups of alice after removal = %v", got)
	}
	_, err = e.api.AdminRemoveUserFromGroup(ctx, &cip.AdminRemoveUserFromGroupInput{UserPoolId: &id, Username: aws.String("nobody"), GroupName: aws.String("readers")})
	wantErr[*types.UserNotFoundException](t, err)

	must(e.api.DeleteGroup(ctx, &cip.DeleteGroupInput{UserPoolId: &id, GroupName: aws.String("readers")})).ok(t)
	_, err = e.api.GetGroup(ctx, &cip.GetGroupInput{UserPoolId: &id, GroupName: aws.String("readers")})
	wantErr[*types.ResourceNotFoundException](t, err)
	_, err = e.api.DeleteGroup(ctx, &cip.DeleteGroupInput{UserPoolId: &id, GroupName: aws.String("readers")})
	wantErr[*types.ResourceNotFoundException](t, err)
	if got := groupsOf("bob"); len(got) != 0 {
		t.Errorf("bob still in %v after the group was deleted", got)
	}
	_, err = e.api.ListGroups(ctx, &cip.ListGroupsInput{UserPoolId: &id, Limit: aws.Int32(61)})
	wantErr[*types.InvalidParameterException](t, err)
}
