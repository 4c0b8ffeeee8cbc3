package cognito_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/google/uuid"

	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/storage/storagetest"
)

func attrMap(attrs []types.AttributeType) map[string]string {
	m := map[string]string{}
	for _, a := range attrs {
		m[aws.ToString(a.Name)] = aws.ToString(a.Value)
	}
	return m
}

func TestAdminCreateAndGetUser(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	id := e.createPool(t, nil)
	before := time.Now().Add(-time.Second)
	u := e.createUser(t, id, "Alice", "email", "alice@example.com", "name", "Alice A")
	attrs := attrMap(u.Attributes)
	if aws.ToString(u.Username) != "Alice" || u.UserStatus != types.UserStatusTypeForceChangePassword || !u.Enabled {
		t.Errorf("created user: %q %q enabled %v", aws.ToString(u.Username), u.UserStatus, u.Enabled)
	}
	if uuid.Validate(attrs["sub"]) != nil || attrs["email"] != "alice@example.com" || attrs["name"] != "Alice A" {
		t.Errorf("created user attributes %v", attrs)
	}
	if u.UserCreateDate == nil || u.UserCreateDate.Before(before) || u.UserLastModifiedDate == nil {
		t.Errorf("dates %v %v", u.UserCreateDate, u.UserLastModifiedDate)
	}

	// Usernames are case-insensitive by default.
	got := must(e.api.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &id, Username: aws.String("alice")})).ok(t)
	if aws.ToString(got.Username) != "Alice" || attrMap(got.UserAttributes)["sub"] != attrs["sub"] || got.UserStatus != types.UserStatusTypeForceChangePassword ||
		!got.Enabled || !got.UserCreateDate.Equal(*u.UserCreateDate) || len(got.UserMFASettingList) != 0 || got.PreferredMfaSetting != nil {
		t.Errorf("AdminGetUser = %+v", got)
	}

	_, err := e.api.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &id, Username: aws.String("ALICE"), MessageAction: types.MessageActionTypeSuppress})
	wantErr[*types.UsernameExistsException](t, err)
	_, err = e.api.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &id, Username: aws.String("nobody")})
	wantErr[*types.UserNotFoundException](t, err)
	_, err = e.api.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String("local_doesnotex"), Username: aws.String("x"), MessageAction: types.MessageActionTypeSuppress})
	wantErr[*types.ResourceNotFoundException](t, err)
}

func TestAdminCreateUserBadInput(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	id := e.createPool(t, &cip.CreateUserPoolInput{Schema: []types.SchemaAttributeType{
		{Name: aws.String("age"), AttributeDataType: types.AttributeDataTypeNumber, NumberAttributeConstraints: &types.NumberAttributeConstraintsType{MaxValue: aws.String("150")}}}})
	tests := []struct {
		name     string
		username string
		attrs    []string
		password string
		check    func(t *testing.T, err error)
	}{
		{"bad email", "u1", []string{"email", "not-an-email"}, "", invalidParameter},
		{"bad phone", "u2", []string{"phone_number", "555-1234"}, "", invalidParameter},
		{"bad birthdate", "u3", []string{"birthdate", "31/12/1999"}, "", invalidParameter},
		{"unknown attribute", "u4", []string{"custom:nope", "x"}, "", invalidParameter},
		{"number out of range", "u5", []string{"custom:age", "200"}, "", invalidParameter},
		{"weak temporary password", "u6", nil, "short", func(t *testing.T, err error) { wantErr[*types.InvalidPasswordException](t, err) }},
		{"sub given", "u7", []string{"sub", uuid.NewString()}, "", invalidParameter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &cip.AdminCreateUserInput{UserPoolId: &id, Username: &tt.username, MessageAction: types.MessageActionTypeSuppress}
			if tt.password != "" {
				in.TemporaryPassword = &tt.password
			}
			for i := 0; i < len(tt.attrs); i += 2 {
				in.UserAttributes = append(in.UserAttributes, types.AttributeType{Name: &tt.attrs[i], Value: &tt.attrs[i+1]})
			}
			_, err := e.api.AdminCreateUser(ctx, in)
			tt.check(t, err)
			_, err = e.api.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &id, Username: &tt.username})
			wantErr[*types.UserNotFoundException](t, err)
		})
	}
}

func invalidParameter(t *testing.T, err error) {
	t.Helper()
	wantErr[*types.InvalidParameterException](t, err)
}

func TestAliasExists(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	id := e.createPool(t, &cip.CreateUserPoolInput{AliasAttributes: []types.AliasAttributeType{"email"}})
	e.createUser(t, id, "alice", "email", "shared@example.com", "email_verified", "true")
	_, err := e.api.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &id, Username: aws.String("bob"), MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("shared@example.com")}, {Name: aws.String("email_verified"), Value: aws.String("true")}}})
	wantErr[*types.UsernameExistsException](t, err) // as Cognito's AdminCreateUser reports it

	e.createUser(t, id, "carol", "email", "carol@example.com", "email_verified", "true")
	_, err = e.api.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: &id, Username: aws.String("carol"),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("shared@example.com")}, {Name: aws.String("email_verified"), Value: aws.String("true")}}})
	wantErr[*types.AliasExistsException](t, err)

	// alice is found by her alias.
	got := must(e.api.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &id, Username: aws.String("shared@example.com")})).ok(t)
	if aws.ToString(got.Username) != "alice" {
		t.Errorf("AdminGetUser(alias) = %q", aws.ToString(got.Username))
	}
}

func TestAdminUserLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	id := e.createPool(t, &cip.CreateUserPoolInput{Schema: []types.SchemaAttributeType{
		{Name: aws.String("code"), AttributeDataType: types.AttributeDataTypeString, Mutable: aws.Bool(false)}}})
	e.createUser(t, id, "alice", "email", "alice@example.com", "custom:code", "A1")
	name := aws.String("alice")
	get := func() *cip.AdminGetUserOutput {
		return must(e.api.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &id, Username: name})).ok(t)
	}

	must(e.api.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: &id, Username: name})).ok(t)
	if get().Enabled {
		t.Error("user still enabled after AdminDisableUser")
	}
	must(e.api.AdminEnableUser(ctx, &cip.AdminEnableUserInput{UserPoolId: &id, Username: name})).ok(t)
	if !get().Enabled {
		t.Error("user disabled after AdminEnableUser")
	}

	must(e.api.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: &id, Username: name,
		UserAttributes: []types.AttributeType{{Name: aws.String("given_name"), Value: aws.String("Alice")}, {Name: aws.String("email"), Value: aws.String("new@example.com")}}})).ok(t)
	if a := attrMap(get().UserAttributes); a["given_name"] != "Alice" || a["email"] != "new@example.com" {
		t.Errorf("attributes after update %v", a)
	}
	for _, bad := range []types.AttributeType{
		{Name: aws.String("email"), Value: aws.String("nope")},
		{Name: aws.String("custom:code"), Value: aws.String("B2")},
		{Name: aws.String("custom:missing"), Value: aws.String("x")},
	} {
		_, err := e.api.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: &id, Username: name, UserAttributes: []types.AttributeType{bad}})
		wantErr[*types.InvalidParameterException](t, err)
	}
	if a := attrMap(get().UserAttributes); a["email"] != "new@example.com" || a["custom:code"] != "A1" {
		t.Errorf("bad updates changed attributes: %v", a)
	}

	must(e.api.AdminDeleteUserAttributes(ctx, &cip.AdminDeleteUserAttributesInput{UserPoolId: &id, Username: name, UserAttributeNames: []string{"given_name"}})).ok(t)
	if a := attrMap(get().UserAttributes); a["given_name"] != "" {
		t.Errorf("given_name still there: %v", a)
	}
	_, err := e.api.AdminDeleteUserAttributes(ctx, &cip.AdminDeleteUserAttributesInput{UserPoolId: &id, Username: name, UserAttributeNames: []string{"sub"}})
	wantErr[*types.InvalidParameterException](t, err)

	_, err = e.api.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &id, Username: name, Password: aws.String("weak"), Permanent: true})
	wantErr[*types.InvalidPasswordException](t, err)
	if get().UserStatus != types.UserStatusTypeForceChangePassword {
		t.Error("a rejected password changed the status")
	}
	must(e.api.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &id, Username: name, Password: aws.String("Str0ng-Password!"), Permanent: true})).ok(t)
	if s := get().UserStatus; s != types.UserStatusTypeConfirmed {
		t.Errorf("status after permanent password = %q", s)
	}
	must(e.api.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &id, Username: name, Password: aws.String("An0ther-Password!"), Permanent: false})).ok(t)
	if s := get().UserStatus; s != types.UserStatusTypeForceChangePassword {
		t.Errorf("status after temporary password = %q", s)
	}

	// AdminConfirmSignUp confirms only UNCONFIRMED users (created by SignUp, a later issue).
	_, err = e.api.AdminConfirmSignUp(ctx, &cip.AdminConfirmSignUpInput{UserPoolId: &id, Username: name})
	wantErr[*types.NotAuthorizedException](t, err)
	_, err = e.api.AdminConfirmSignUp(ctx, &cip.AdminConfirmSignUpInput{UserPoolId: &id, Username: aws.String("nobody")})
	wantErr[*types.UserNotFoundException](t, err)

	must(e.api.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: &id, Username: name})).ok(t)
	_, err = e.api.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &id, Username: name})
	wantErr[*types.UserNotFoundException](t, err)
	for _, call := range []func() error{
		func() error {
			_, err := e.api.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: &id, Username: name})
			return err
		},
		func() error {
			_, err := e.api.AdminEnableUser(ctx, &cip.AdminEnableUserInput{UserPoolId: &id, Username: name})
			return err
		},
		func() error {
			_, err := e.api.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: &id, Username: name})
			return err
		},
		func() error {
			_, err := e.api.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &id, Username: name, Password: aws.String("Str0ng-Password!")})
			return err
		},
	} {
		wantErr[*types.UserNotFoundException](t, call())
	}
}

func TestListUsers(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	id := e.createPool(t, nil)
	for i := range 5 {
		e.createUser(t, id, fmt.Sprintf("user%d", i), "email", fmt.Sprintf("user%d@example.com", i), "family_name", "Smith")
	}
	e.createUser(t, id, "zed", "email", "zed@other.example", "family_name", "Jones")
	must(e.api.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: &id, Username: aws.String("zed")})).ok(t)

	list := func(filter string, limit int32, attrs ...string) []string {
		t.Helper()
		var names []string
		var token *string
		for pages := 0; ; pages++ {
			out := must(e.api.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: &id, Filter: aws.String(filter), Limit: aws.Int32(limit), PaginationToken: token, AttributesToGet: attrs})).ok(t)
			for _, u := range out.Users {
				names = append(names, aws.ToString(u.Username))
				if len(attrs) > 0 {
					for _, a := range u.Attributes {
						if !slices.Contains(attrs, aws.ToString(a.Name)) {
							t.Errorf("attribute %s returned, asked for %v", aws.ToString(a.Name), attrs)
						}
					}
				}
			}
			if token = out.PaginationToken; token == nil {
				break
			}
			if pages > 10 {
				t.Fatal("pagination does not end")
			}
		}
		slices.Sort(names)
		return names
	}
	tests := []struct {
		filter string
		want   []string
	}{
		{"", []string{"user0", "user1", "user2", "user3", "user4", "zed"}},
		{`email ^= "user"`, []string{"user0", "user1", "user2", "user3", "user4"}},
		{`email = "user3@example.com"`, []string{"user3"}},
		{`family_name = "Jones"`, []string{"zed"}},
		{`username ^= "USER1"`, []string{"user1"}},
		{`status = "Disabled"`, []string{"zed"}},
		{`cognito:user_status = "FORCE_CHANGE_PASSWORD"`, []string{"user0", "user1", "user2", "user3", "user4", "zed"}},
		{`email = "nobody@example.com"`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			if got := list(tt.filter, 2, "email"); !slices.Equal(got, tt.want) {
				t.Errorf("ListUsers(%q) = %v, want %v", tt.filter, got, tt.want)
			}
		})
	}
	// AttributesToGet: sub only when asked.
	out := must(e.api.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: &id, Filter: aws.String(`username = "zed"`), AttributesToGet: []string{"sub", "family_name"}})).ok(t)
	if a := attrMap(out.Users[0].Attributes); len(a) != 2 || a["family_name"] != "Jones" || a["sub"] == "" || out.Users[0].Enabled {
		t.Errorf("zed = %+v (attributes %v)", out.Users[0], a)
	}

	for _, bad := range []string{`email`, `email == "x"`, `email = x`, `custom:foo = "x"`, `email ^= "x" extra`} {
		_, err := e.api.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: &id, Filter: aws.String(bad)})
		wantErr[*types.InvalidParameterException](t, err)
	}
	_, err := e.api.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: &id, Limit: aws.Int32(61)})
	wantErr[*types.InvalidParameterException](t, err)
	_, err = e.api.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: aws.String("local_doesnotex")})
	wantErr[*types.ResourceNotFoundException](t, err)
}

// Concurrent creations of one username: the database lets exactly one win.
func TestConcurrentAdminCreateUser(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		e := newEnvOn(t, st)
		id := e.createPool(t, nil)
		const n = 50
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				_, errs[i] = e.api.AdminCreateUser(t.Context(), &cip.AdminCreateUserInput{UserPoolId: &id, Username: aws.String("same"),
					TemporaryPassword: aws.String("Temp-Passw0rd!"), MessageAction: types.MessageActionTypeSuppress})
			})
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
				continue
			}
			wantErr[*types.UsernameExistsException](t, err)
		}
		if ok != 1 {
			t.Errorf("%d creations succeeded, want 1", ok)
		}
	})
}
