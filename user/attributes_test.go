package user

import (
	"strings"
	"testing"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
)

// testPool is a pool with the standard schema and a few custom attributes, as CreatePool
// would build it.
func testPool() *pool.Pool {
	p := &pool.Pool{Id: "local_test", Policies: pool.Policies{PasswordPolicy: pool.DefaultPasswordPolicy()}}
	for _, name := range []string{"address", "birthdate", "email", "family_name", "gender", "given_name", "locale",
		"middle_name", "name", "nickname", "phone_number", "picture", "preferred_username", "profile", "website", "zoneinfo"} {
		p.SchemaAttributes = append(p.SchemaAttributes, pool.SchemaAttribute{Name: name, AttributeDataType: pool.TypeString, Mutable: true,
			StringAttributeConstraints: &pool.StringAttributeConstraints{MinLength: "0", MaxLength: "2048"}})
	}
	p.SchemaAttributes = append(p.SchemaAttributes,
		pool.SchemaAttribute{Name: "sub", AttributeDataType: pool.TypeString, Required: true},
		pool.SchemaAttribute{Name: "updated_at", AttributeDataType: pool.TypeNumber, Mutable: true, NumberAttributeConstraints: &pool.NumberAttributeConstraints{MinValue: "0"}},
		pool.SchemaAttribute{Name: "email_verified", AttributeDataType: pool.TypeBoolean, Mutable: true},
		pool.SchemaAttribute{Name: "phone_number_verified", AttributeDataType: pool.TypeBoolean, Mutable: true},
		pool.SchemaAttribute{Name: "custom:code", AttributeDataType: pool.TypeString, Mutable: true, StringAttributeConstraints: &pool.StringAttributeConstraints{MinLength: "2", MaxLength: "4"}},
		pool.SchemaAttribute{Name: "custom:age", AttributeDataType: pool.TypeNumber, Mutable: true, NumberAttributeConstraints: &pool.NumberAttributeConstraints{MinValue: "0", MaxValue: "150"}},
		pool.SchemaAttribute{Name: "custom:vip", AttributeDataType: pool.TypeBoolean, Mutable: true},
		pool.SchemaAttribute{Name: "custom:since", AttributeDataType: pool.TypeDateTime, Mutable: true},
		pool.SchemaAttribute{Name: "custom:tenant", AttributeDataType: pool.TypeString, StringAttributeConstraints: &pool.StringAttributeConstraints{MinLength: "0", MaxLength: "2048"}},
	)
	return p
}

func TestCheckAttribute(t *testing.T) {
	p := testPool()
	tests := []struct {
		name, value string
		creating    bool
		contains    string // "" = valid
	}{
		{"email", "ann@example.com", false, ""},
		{"email", "Ann <ann@example.com>", false, "email"},
		{"email", "<ann@example.com>", false, "email"},
		{"email", "ann@example.com, bob@example.com", false, "email"},
		{"email", "ann", false, "email"},
		{"phone_number", "+14155550100", false, ""},
		{"phone_number", "14155550100", false, "E.164"},
		{"phone_number", "+0155550100", false, "E.164"},
		{"phone_number", "+1234567890123456", false, "E.164"},
		{"phone_number", "+1 415 555 0100", false, "E.164"},
		{"birthdate", "1990-02-28", false, ""},
		{"birthdate", "1990-02-30", false, "YYYY-MM-DD"},
		{"birthdate", "90-02-28", false, "YYYY-MM-DD"},
		{"birthdate", "1990-2-28", false, "YYYY-MM-DD"},
		{"picture", "https://example.com/a.png", false, ""},
		{"profile", "http://example.com/ann", false, ""},
		{"website", "example.com", false, "URL"},
		{"website", "ftp://example.com", false, "URL"},
		{"website", "https://", false, "URL"},
		{"updated_at", "1700000000", false, ""},
		{"updated_at", "-1", false, "at least 0"},
		{"updated_at", "yesterday", false, "number"},
		{"email_verified", "true", false, ""},
		{"email_verified", "True", false, `"true" or "false"`},
		{"phone_number_verified", "yes", false, `"true" or "false"`},
		{"name", strings.Repeat("n", 2048), false, ""},
		{"name", strings.Repeat("n", 2049), false, "2048"},
		{"sub", "2d3e4f", true, "sub"},
		{"nickname2", "x", false, "does not exist in the schema"},
		{"custom:unknown", "x", false, "does not exist in the schema"},
		{"custom:code", "ab", false, ""},
		{"custom:code", "a", false, "2-4"},
		{"custom:code", "abcde", false, "2-4"},
		{"custom:age", "42", false, ""},
		{"custom:age", "42.5", false, ""},
		{"custom:age", "151", false, "at most 150"},
		{"custom:age", "-1", false, "at least 0"},
		{"custom:age", "NaN", false, "number"},
		{"custom:vip", "false", false, ""},
		{"custom:vip", "1", false, `"true" or "false"`},
		{"custom:since", "2024-01-02T15:04:05Z", false, ""},
		{"custom:since", "2024-01-02", false, "RFC 3339"},
		{"custom:tenant", "acme", true, ""},
		{"custom:tenant", "acme", false, "immutable"},
		{"name", "", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			err := checkAttribute(p, tt.name, tt.value, tt.creating)
			if tt.contains == "" {
				wantErr(t, err, "", "")
				return
			}
			wantErr(t, err, errs.InvalidParameter, tt.contains)
			if !strings.Contains(err.Error(), tt.name) {
				t.Errorf("error %q does not name the attribute", err)
			}
		})
	}
	if _, err := checkAttributes(p, []Attribute{{"name", "a"}, {"name", "b"}}, true); err == nil {
		t.Error("duplicate attribute accepted")
	}
}

func TestCheckUsername(t *testing.T) {
	tests := []struct {
		username string
		ok       bool
	}{
		{"ann", true},
		{"Ann.Smith+1@x", true},
		{"Zoë_名前", true},
		{strings.Repeat("u", 128), true},
		{strings.Repeat("u", 129), false},
		{"", false},
		{"ann smith", false},
		{"ann\tsmith", false},
		{"ann\n", false},
	}
	for _, tt := range tests {
		if err := CheckUsername(tt.username); (err == nil) != tt.ok {
			t.Errorf("CheckUsername(%q) = %v, want ok=%v", tt.username, err, tt.ok)
		}
	}
}
