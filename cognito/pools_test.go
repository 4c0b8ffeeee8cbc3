package cognito_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

func findAttr(attrs []types.SchemaAttributeType, name string) *types.SchemaAttributeType {
	for i := range attrs {
		if aws.ToString(attrs[i].Name) == name {
			return &attrs[i]
		}
	}
	return nil
}

func TestCreateAndDescribeUserPool(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	before := time.Now().Add(-time.Second)
	out := must(e.api.CreateUserPool(ctx, &cip.CreateUserPoolInput{
		PoolName:               aws.String("shop"),
		AliasAttributes:        []types.AliasAttributeType{types.AliasAttributeTypeEmail},
		AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
		MfaConfiguration:       types.UserPoolMfaTypeOff,
		Schema: []types.SchemaAttributeType{
			{Name: aws.String("email"), Required: aws.Bool(true), Mutable: aws.Bool(true)},
			{Name: aws.String("tier"), AttributeDataType: types.AttributeDataTypeString,
				StringAttributeConstraints: &types.StringAttributeConstraintsType{MinLength: aws.String("1"), MaxLength: aws.String("10")}},
		},
	})).ok(t)
	p := out.UserPool
	id := aws.ToString(p.Id)
	if !strings.HasPrefix(id, "local_") || len(id) != len("local_")+9 {
		t.Errorf("Id = %q, want local_ + 9 characters", id)
	}
	if want := "arn:aws:cognito-idp:local:000000000000:userpool/" + id; aws.ToString(p.Arn) != want {
		t.Errorf("Arn = %q, want %q", aws.ToString(p.Arn), want)
	}
	if p.CreationDate == nil || p.CreationDate.Before(before) || p.LastModifiedDate == nil {
		t.Errorf("CreationDate = %v, LastModifiedDate = %v", p.CreationDate, p.LastModifiedDate)
	}
	pp := p.Policies.PasswordPolicy
	if aws.ToInt32(pp.MinimumLength) != 8 || !pp.RequireUppercase || !pp.RequireLowercase || !pp.RequireNumbers || !pp.RequireSymbols || pp.TemporaryPasswordValidityDays != 7 {
		t.Errorf("default PasswordPolicy = %+v", pp)
	}
	if p.UsernameConfiguration == nil || aws.ToBool(p.UsernameConfiguration.CaseSensitive) {
		t.Errorf("UsernameConfiguration = %+v, want case-insensitive", p.UsernameConfiguration)
	}
	if !slices.Equal(p.AliasAttributes, []types.AliasAttributeType{"email"}) || p.MfaConfiguration != types.UserPoolMfaTypeOff || p.DeletionProtection != types.DeletionProtectionTypeInactive {
		t.Errorf("AliasAttributes %v, Mfa %q, DeletionProtection %q", p.AliasAttributes, p.MfaConfiguration, p.DeletionProtection)
	}
	if a := findAttr(p.SchemaAttributes, "email"); a == nil || !aws.ToBool(a.Required) {
		t.Errorf("email attribute = %+v, want required", a)
	}
	if a := findAttr(p.SchemaAttributes, "custom:tier"); a == nil || !aws.ToBool(a.Mutable) || aws.ToString(a.StringAttributeConstraints.MaxLength) != "10" {
		t.Errorf("custom:tier attribute = %+v", a)
	}
	if findAttr(p.SchemaAttributes, "sub") == nil || findAttr(p.SchemaAttributes, "birthdate") == nil {
		t.Error("standard attributes missing from SchemaAttributes")
	}

	e.createUser(t, id, "alice", "email", "alice@example.com")
	desc := must(e.api.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: &id})).ok(t).UserPool
	if aws.ToString(desc.Name) != "shop" || desc.EstimatedNumberOfUsers != 1 || !desc.CreationDate.Equal(*p.CreationDate) {
		t.Errorf("described pool: Name %q, users %d, created %v (want %v)", aws.ToString(desc.Name), desc.EstimatedNumberOfUsers, desc.CreationDate, p.CreationDate)
	}

	_, err := e.api.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String("local_doesnotex")})
	wantErr[*types.ResourceNotFoundException](t, err)
}

func TestCreateUserPoolOptions(t *testing.T) {
	e := newEnv(t)
	id := e.createPool(t, &cip.CreateUserPoolInput{
		UsernameAttributes:    []types.UsernameAttributeType{types.UsernameAttributeTypeEmail},
		UsernameConfiguration: &types.UsernameConfigurationType{CaseSensitive: aws.Bool(true)},
		Policies: &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{
			MinimumLength: aws.Int32(12), RequireNumbers: true, PasswordHistorySize: aws.Int32(3)}},
		DeletionProtection: types.DeletionProtectionTypeActive,
	})
	p := must(e.api.DescribeUserPool(t.Context(), &cip.DescribeUserPoolInput{UserPoolId: &id})).ok(t).UserPool
	pp := p.Policies.PasswordPolicy
	if aws.ToInt32(pp.MinimumLength) != 12 || !pp.RequireNumbers || pp.RequireSymbols || aws.ToInt32(pp.PasswordHistorySize) != 3 || pp.TemporaryPasswordValidityDays != 7 {
		t.Errorf("PasswordPolicy = %+v", pp)
	}
	if !aws.ToBool(p.UsernameConfiguration.CaseSensitive) || !slices.Equal(p.UsernameAttributes, []types.UsernameAttributeType{"email"}) {
		t.Errorf("UsernameConfiguration %+v, UsernameAttributes %v", p.UsernameConfiguration, p.UsernameAttributes)
	}
	_, err := e.api.DeleteUserPool(t.Context(), &cip.DeleteUserPoolInput{UserPoolId: &id})
	wantErr[*types.InvalidParameterException](t, err)
}

func TestCreateUserPoolBadInput(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name string
		in   cip.CreateUserPoolInput
	}{
		{"short minimum length", cip.CreateUserPoolInput{Policies: &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{MinimumLength: aws.Int32(5)}}}},
		{"long minimum length", cip.CreateUserPoolInput{Policies: &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{MinimumLength: aws.Int32(100)}}}},
		{"history too long", cip.CreateUserPoolInput{Policies: &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{PasswordHistorySize: aws.Int32(25)}}}},
		{"aliases and username attributes", cip.CreateUserPoolInput{
			AliasAttributes: []types.AliasAttributeType{"email"}, UsernameAttributes: []types.UsernameAttributeType{"email"}}},
		{"unknown alias", cip.CreateUserPoolInput{AliasAttributes: []types.AliasAttributeType{"nickname"}}},
		{"bad mfa", cip.CreateUserPoolInput{MfaConfiguration: "SOMETIMES"}},
		{"bad custom type", cip.CreateUserPoolInput{Schema: []types.SchemaAttributeType{{Name: aws.String("x"), AttributeDataType: "Blob"}}}},
		{"bad pool name", cip.CreateUserPoolInput{PoolName: aws.String("no/slashes")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			if in.PoolName == nil {
				in.PoolName = aws.String("bad")
			}
			_, err := e.api.CreateUserPool(t.Context(), &in)
			wantErr[*types.InvalidParameterException](t, err)
		})
	}
	out := must(e.api.ListUserPools(t.Context(), &cip.ListUserPoolsInput{MaxResults: aws.Int32(60)})).ok(t)
	if len(out.UserPools) != 0 {
		t.Errorf("bad input created pools: %+v", out.UserPools)
	}
}

func TestUpdateUserPool(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	id := e.createPool(t, &cip.CreateUserPoolInput{
		MfaConfiguration:       types.UserPoolMfaTypeOptional,
		AutoVerifiedAttributes: []types.VerifiedAttributeType{"email"},
		Policies:               &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{MinimumLength: aws.Int32(10)}},
	})
	before := must(e.api.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: &id})).ok(t).UserPool

	// Omitted mutable settings go back to their defaults; the name and schema stay.
	must(e.api.UpdateUserPool(ctx, &cip.UpdateUserPoolInput{UserPoolId: &id, DeletionProtection: types.DeletionProtectionTypeActive})).ok(t)
	p := must(e.api.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: &id})).ok(t).UserPool
	if p.MfaConfiguration != types.UserPoolMfaTypeOff || len(p.AutoVerifiedAttributes) != 0 || aws.ToInt32(p.Policies.PasswordPolicy.MinimumLength) != 8 {
		t.Errorf("after update: Mfa %q, AutoVerified %v, policy %+v", p.MfaConfiguration, p.AutoVerifiedAttributes, p.Policies.PasswordPolicy)
	}
	if p.DeletionProtection != types.DeletionProtectionTypeActive || aws.ToString(p.Name) != "test pool" || len(p.SchemaAttributes) != len(before.SchemaAttributes) {
		t.Errorf("after update: DeletionProtection %q, Name %q, %d attributes", p.DeletionProtection, aws.ToString(p.Name), len(p.SchemaAttributes))
	}
	if !p.CreationDate.Equal(*before.CreationDate) || p.LastModifiedDate.Before(*before.LastModifiedDate) {
		t.Errorf("dates: created %v → %v, modified %v → %v", before.CreationDate, p.CreationDate, before.LastModifiedDate, p.LastModifiedDate)
	}
	must(e.api.UpdateUserPool(ctx, &cip.UpdateUserPoolInput{UserPoolId: &id, PoolName: aws.String("renamed")})).ok(t)
	p = must(e.api.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: &id})).ok(t).UserPool
	if aws.ToString(p.Name) != "renamed" {
		t.Errorf("Name = %q, want renamed", aws.ToString(p.Name))
	}

	_, err := e.api.UpdateUserPool(ctx, &cip.UpdateUserPoolInput{UserPoolId: &id, MfaConfiguration: "SOMETIMES"})
	wantErr[*types.InvalidParameterException](t, err)
	_, err = e.api.UpdateUserPool(ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String("local_doesnotex")})
	wantErr[*types.ResourceNotFoundException](t, err)
}

// The SDK has no members for Userpool's UpdateUserPool extensions (AliasAttributes, Schema),
// so these requests are made by hand.
func TestUpdateUserPoolExtensions(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	id := e.createPool(t, &cip.CreateUserPoolInput{Schema: []types.SchemaAttributeType{
		{Name: aws.String("tier"), AttributeDataType: types.AttributeDataTypeString}}})
	e.createUser(t, id, "alice", "email", "same@example.com", "email_verified", "true")
	e.createUser(t, id, "bob", "email", "same@example.com", "email_verified", "true")
	e.createUser(t, id, "carol", "preferred_username", "caz")

	describe := func() *types.UserPoolType {
		return must(e.api.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: &id})).ok(t).UserPool
	}

	// Two users share a verified email: it cannot become an alias.
	r := e.signedJSON(t, "UpdateUserPool", map[string]any{"UserPoolId": id, "AliasAttributes": []string{"email"}})
	r.wantType(t, "AliasExistsException")
	if p := describe(); len(p.AliasAttributes) != 0 {
		t.Errorf("failed update changed AliasAttributes to %v", p.AliasAttributes)
	}

	if r := e.signedJSON(t, "UpdateUserPool", map[string]any{"UserPoolId": id, "AliasAttributes": []string{"preferred_username"},
		"Schema": []map[string]any{{"Name": "given_name", "Required": true}}}); r.status != 200 {
		t.Fatalf("UpdateUserPool = %d %v", r.status, r.body)
	}
	p := describe()
	if !slices.Equal(p.AliasAttributes, []types.AliasAttributeType{"preferred_username"}) {
		t.Errorf("AliasAttributes = %v", p.AliasAttributes)
	}
	if a := findAttr(p.SchemaAttributes, "given_name"); a == nil || !aws.ToBool(a.Required) {
		t.Errorf("given_name = %+v, want required", a)
	}
	// carol signs in by her alias now.
	got := must(e.api.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &id, Username: aws.String("caz")})).ok(t)
	if aws.ToString(got.Username) != "carol" {
		t.Errorf("AdminGetUser(caz) = %q, want carol", aws.ToString(got.Username))
	}

	// Absent AliasAttributes and Schema leave them as they are.
	if r := e.signedJSON(t, "UpdateUserPool", map[string]any{"UserPoolId": id}); r.status != 200 {
		t.Fatalf("UpdateUserPool = %d %v", r.status, r.body)
	}
	if p := describe(); len(p.AliasAttributes) != 1 || !aws.ToBool(findAttr(p.SchemaAttributes, "given_name").Required) {
		t.Errorf("plain update changed aliases %v or required flags", p.AliasAttributes)
	}

	for _, schema := range []map[string]any{
		{"Name": "given_name", "AttributeDataType": "Number"},
		{"Name": "tier", "Mutable": false},
		{"Name": "nosuch", "Required": true},
	} {
		r := e.signedJSON(t, "UpdateUserPool", map[string]any{"UserPoolId": id, "Schema": []any{schema}})
		r.wantType(t, "InvalidParameterException")
	}
}

func TestListAndDeleteUserPools(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	ids := map[string]bool{}
	for range 3 {
		ids[e.createPool(t, nil)] = true
	}
	seen := map[string]bool{}
	var token *string
	for pages := 0; ; pages++ {
		out := must(e.api.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(2), NextToken: token})).ok(t)
		for _, p := range out.UserPools {
			if seen[aws.ToString(p.Id)] || aws.ToString(p.Name) != "test pool" || p.CreationDate == nil {
				t.Errorf("listed pool %+v (seen before: %v)", p, seen[aws.ToString(p.Id)])
			}
			seen[aws.ToString(p.Id)] = true
		}
		if token = out.NextToken; token == nil {
			break
		}
		if pages > 3 {
			t.Fatal("pagination does not end")
		}
	}
	if len(seen) != 3 {
		t.Errorf("listed %v, want %v", seen, ids)
	}
	for _, n := range []int32{0, 61} {
		_, err := e.api.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(n)})
		wantErr[*types.InvalidParameterException](t, err)
	}

	for id := range ids {
		must(e.api.DeleteUserPool(ctx, &cip.DeleteUserPoolInput{UserPoolId: aws.String(id)})).ok(t)
		_, err := e.api.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(id)})
		wantErr[*types.ResourceNotFoundException](t, err)
		_, err = e.api.DeleteUserPool(ctx, &cip.DeleteUserPoolInput{UserPoolId: aws.String(id)})
		wantErr[*types.ResourceNotFoundException](t, err)
	}
}

func TestAddCustomAttributes(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	id := e.createPool(t, nil)
	must(e.api.AddCustomAttributes(ctx, &cip.AddCustomAttributesInput{UserPoolId: &id, CustomAttributes: []types.SchemaAttributeType{
		{Name: aws.String("age"), AttributeDataType: types.AttributeDataTypeNumber, Mutable: aws.Bool(false),
			NumberAttributeConstraints: &types.NumberAttributeConstraintsType{MinValue: aws.String("0"), MaxValue: aws.String("150")}},
		{Name: aws.String("custom:plan"), AttributeDataType: types.AttributeDataTypeString},
	}})).ok(t)
	p := must(e.api.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: &id})).ok(t).UserPool
	if a := findAttr(p.SchemaAttributes, "custom:age"); a == nil || aws.ToBool(a.Mutable) || a.AttributeDataType != types.AttributeDataTypeNumber {
		t.Errorf("custom:age = %+v", a)
	}
	if a := findAttr(p.SchemaAttributes, "custom:plan"); a == nil || !aws.ToBool(a.Mutable) {
		t.Errorf("custom:plan = %+v", a)
	}

	tests := []struct {
		name  string
		attrs []types.SchemaAttributeType
	}{
		{"duplicate", []types.SchemaAttributeType{{Name: aws.String("age"), AttributeDataType: types.AttributeDataTypeNumber}}},
		{"standard name", []types.SchemaAttributeType{{Name: aws.String("email"), AttributeDataType: types.AttributeDataTypeString}}},
		{"bad type", []types.SchemaAttributeType{{Name: aws.String("x"), AttributeDataType: "Blob"}}},
		{"none", []types.SchemaAttributeType{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.api.AddCustomAttributes(ctx, &cip.AddCustomAttributesInput{UserPoolId: &id, CustomAttributes: tt.attrs})
			wantErr[*types.InvalidParameterException](t, err)
		})
	}
	_, err := e.api.AddCustomAttributes(ctx, &cip.AddCustomAttributesInput{UserPoolId: aws.String("local_doesnotex"),
		CustomAttributes: []types.SchemaAttributeType{{Name: aws.String("x"), AttributeDataType: types.AttributeDataTypeString}}})
	wantErr[*types.ResourceNotFoundException](t, err)
}
