package pool

import (
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/userpool/userpool/errs"
)

// Limits on custom attributes, as Cognito's.
const (
	MaxCustomAttributes       = 50
	MaxCustomAttributesPerAdd = 25
	MaxAttributeValueLength   = 2048
	CustomPrefix              = "custom:"
)

// standardAttributes lists Cognito's standard attributes in the order DescribeUserPool shows them.
var standardAttributes = []string{
	"address", "birthdate", "email", "email_verified", "family_name", "gender", "given_name",
	"locale", "middle_name", "name", "nickname", "phone_number", "phone_number_verified",
	"picture", "preferred_username", "profile", "sub", "updated_at", "website", "zoneinfo",
}

// IsStandardAttribute reports whether name is one of Cognito's standard attributes.
func IsStandardAttribute(name string) bool { return slices.Contains(standardAttributes, name) }

// standardAttribute returns the schema Cognito reports for a standard attribute.
func standardAttribute(name string) SchemaAttribute {
	a := SchemaAttribute{Name: name, AttributeDataType: TypeString, Mutable: true}
	switch name {
	case "sub":
		a.Mutable, a.Required = false, true
		a.StringAttributeConstraints = &StringAttributeConstraints{MinLength: "1", MaxLength: "2048"}
	case "birthdate":
		a.StringAttributeConstraints = &StringAttributeConstraints{MinLength: "10", MaxLength: "10"}
	case "updated_at":
		a.AttributeDataType = TypeNumber
		a.NumberAttributeConstraints = &NumberAttributeConstraints{MinValue: "0"}
	case "email_verified", "phone_number_verified":
		a.AttributeDataType = TypeBoolean
	default:
		a.StringAttributeConstraints = &StringAttributeConstraints{MinLength: "0", MaxLength: "2048"}
	}
	return a
}

var customNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,20}$`)

// buildSchema merges the caller's schema entries into the standard attributes. For a standard
// attribute only Required is taken from the caller (Mutable is ignored so that a caller who
// omits it cannot freeze email by accident); a given data type or constraints must equal the
// standard ones. Custom attributes are validated and appended.
func buildSchema(in []SchemaAttribute) ([]SchemaAttribute, error) {
	out := make([]SchemaAttribute, 0, len(standardAttributes)+len(in))
	for _, name := range standardAttributes {
		out = append(out, standardAttribute(name))
	}
	seen := map[string]bool{}
	var custom []SchemaAttribute
	for _, a := range in {
		if IsStandardAttribute(a.Name) {
			if seen[a.Name] {
				return nil, errs.New(errs.InvalidParameter, "Schema: attribute %s is given more than once.", a.Name)
			}
			seen[a.Name] = true
			i := slices.IndexFunc(out, func(s SchemaAttribute) bool { return s.Name == a.Name })
			if err := checkStandardOverride(out[i], a); err != nil {
				return nil, err
			}
			if a.Name != "sub" {
				out[i].Required = a.Required
			}
			continue
		}
		custom = append(custom, a)
	}
	added, err := validateCustomAttributes(custom, nil)
	if err != nil {
		return nil, err
	}
	return append(out, added...), nil
}

// checkStandardOverride refuses a caller's standard attribute entry that tries to change more
// than Required.
func checkStandardOverride(std, in SchemaAttribute) error {
	if in.AttributeDataType != "" && in.AttributeDataType != std.AttributeDataType {
		return errs.New(errs.InvalidParameter, "Schema: the data type of standard attribute %s is %s and cannot be changed.", std.Name, std.AttributeDataType)
	}
	if in.DeveloperOnlyAttribute {
		return errs.New(errs.InvalidParameter, "Schema: standard attribute %s cannot be developer-only.", std.Name)
	}
	if in.StringAttributeConstraints != nil && (std.StringAttributeConstraints == nil || *in.StringAttributeConstraints != *std.StringAttributeConstraints) ||
		in.NumberAttributeConstraints != nil && (std.NumberAttributeConstraints == nil || *in.NumberAttributeConstraints != *std.NumberAttributeConstraints) {
		return errs.New(errs.InvalidParameter, "Schema: the constraints of standard attribute %s cannot be changed.", std.Name)
	}
	return nil
}

// validateCustomAttributes validates new custom attributes against each other and the existing
// schema, and returns them normalized (name prefixed with "custom:", default constraints).
func validateCustomAttributes(in, existing []SchemaAttribute) ([]SchemaAttribute, error) {
	count := 0
	names := map[string]bool{}
	for _, a := range existing {
		names[a.Name] = true
		if strings.HasPrefix(a.Name, CustomPrefix) {
			count++
		}
	}
	if count+len(in) > MaxCustomAttributes {
		return nil, errs.New(errs.InvalidParameter, "A user pool can have at most %d custom attributes.", MaxCustomAttributes)
	}
	out := make([]SchemaAttribute, 0, len(in))
	for _, a := range in {
		c, err := validateCustomAttribute(a)
		if err != nil {
			return nil, err
		}
		if names[c.Name] {
			return nil, errs.New(errs.InvalidParameter, "Existing attribute already has name %s.", c.Name)
		}
		names[c.Name] = true
		out = append(out, c)
	}
	return out, nil
}

func validateCustomAttribute(a SchemaAttribute) (SchemaAttribute, error) {
	short := strings.TrimPrefix(a.Name, CustomPrefix)
	if !customNameRE.MatchString(short) {
		return a, errs.New(errs.InvalidParameter, "Schema: custom attribute name %q must be 1-20 letters, digits, '_' or '-' (optionally prefixed with \"custom:\").", a.Name)
	}
	a.Name = CustomPrefix + short
	if a.Required {
		return a, errs.New(errs.InvalidParameter, "Required custom attributes are not supported currently.")
	}
	if a.DeveloperOnlyAttribute {
		return a, errs.New(errs.InvalidParameter, "Schema: %s: developer-only attributes are not supported.", a.Name)
	}
	if a.AttributeDataType == "" {
		a.AttributeDataType = TypeString
	}
	switch a.AttributeDataType {
	case TypeString:
		if a.NumberAttributeConstraints != nil {
			return a, errs.New(errs.InvalidParameter, "Schema: %s: a String attribute cannot have NumberAttributeConstraints.", a.Name)
		}
		c := StringAttributeConstraints{MinLength: "0", MaxLength: "2048"}
		if a.StringAttributeConstraints != nil {
			if v := a.StringAttributeConstraints.MinLength; v != "" {
				c.MinLength = v
			}
			if v := a.StringAttributeConstraints.MaxLength; v != "" {
				c.MaxLength = v
			}
		}
		lo, err1 := strconv.Atoi(c.MinLength)
		hi, err2 := strconv.Atoi(c.MaxLength)
		if err1 != nil || err2 != nil || lo < 0 || hi > MaxAttributeValueLength || lo > hi {
			return a, errs.New(errs.InvalidParameter, "Schema: %s: MinLength and MaxLength must be integers with 0 <= MinLength <= MaxLength <= 2048.", a.Name)
		}
		a.StringAttributeConstraints = &c
	case TypeNumber:
		if a.StringAttributeConstraints != nil {
			return a, errs.New(errs.InvalidParameter, "Schema: %s: a Number attribute cannot have StringAttributeConstraints.", a.Name)
		}
		if c := a.NumberAttributeConstraints; c != nil {
			lo, hi := math.Inf(-1), math.Inf(1)
			var err error
			if c.MinValue != "" {
				if lo, err = ParseNumber(c.MinValue); err != nil {
					return a, errs.New(errs.InvalidParameter, "Schema: %s: MinValue %q is not a number.", a.Name, c.MinValue)
				}
			}
			if c.MaxValue != "" {
				if hi, err = ParseNumber(c.MaxValue); err != nil {
					return a, errs.New(errs.InvalidParameter, "Schema: %s: MaxValue %q is not a number.", a.Name, c.MaxValue)
				}
			}
			if lo > hi {
				return a, errs.New(errs.InvalidParameter, "Schema: %s: MinValue must not be greater than MaxValue.", a.Name)
			}
		}
	case TypeDateTime, TypeBoolean:
		if a.StringAttributeConstraints != nil || a.NumberAttributeConstraints != nil {
			return a, errs.New(errs.InvalidParameter, "Schema: %s: a %s attribute cannot have constraints.", a.Name, a.AttributeDataType)
		}
	default:
		return a, errs.New(errs.InvalidParameter, "Schema: %s: AttributeDataType must be String, Number, DateTime or Boolean, not %q.", a.Name, a.AttributeDataType)
	}
	return a, nil
}

// ParseNumber parses a Number attribute value or constraint: a finite decimal number.
func ParseNumber(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, err
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, strconv.ErrRange
	}
	return f, nil
}

// Attribute returns the schema of the named attribute, or nil when the pool has none.
func (p *Pool) Attribute(name string) *SchemaAttribute {
	for i := range p.SchemaAttributes {
		if p.SchemaAttributes[i].Name == name {
			return &p.SchemaAttributes[i]
		}
	}
	return nil
}

// RequiredAttributes returns the names of the required attributes other than sub (which the
// server assigns).
func (p *Pool) RequiredAttributes() []string {
	var out []string
	for _, a := range p.SchemaAttributes {
		if a.Required && a.Name != "sub" {
			out = append(out, a.Name)
		}
	}
	return out
}

// IsAlias reports whether attr is one of the pool's AliasAttributes.
func (p *Pool) IsAlias(attr string) bool { return slices.Contains(p.AliasAttributes, attr) }

// IsUsernameAttribute reports whether attr is one of the pool's UsernameAttributes.
func (p *Pool) IsUsernameAttribute(attr string) bool {
	return slices.Contains(p.UsernameAttributes, attr)
}

// SignInAttributes returns the attributes a user can sign in with besides the username: the
// UsernameAttributes or the AliasAttributes (a pool has one or the other).
func (p *Pool) SignInAttributes() []string {
	if len(p.UsernameAttributes) > 0 {
		return p.UsernameAttributes
	}
	return p.AliasAttributes
}

// NormalizeUsername returns the unique form of a username: lower-cased (simple Unicode
// lower-casing) when the pool is case-insensitive.
func (p *Pool) NormalizeUsername(username string) string {
	if p.UsernameConfiguration.CaseSensitive {
		return username
	}
	return strings.ToLower(username)
}

// AliasKey returns the unique key under which a user holds attr=value as a sign-in
// identifier, or "" when it gives none:
//   - attr is neither a username attribute nor an alias, or value is empty: "";
//   - a username attribute (email or phone_number): always a key, verified or not, since it is
//     the sign-in name and must be unique;
//   - an email or phone_number alias: a key only once verified (Cognito: an alias must be
//     verified before it can be used);
//   - a preferred_username alias: always a key, normalized as usernames are.
//
// Emails are lower-cased always, even in case-sensitive pools: the domain is case-insensitive
// and practically every mailbox ignores the case of the local part, so two accounts differing
// only in an email's case would be a mistake. Phone numbers are E.164 and used as they are.
func (p *Pool) AliasKey(attr, value string, verified bool) string {
	if value == "" {
		return ""
	}
	username := p.IsUsernameAttribute(attr)
	if !username && !p.IsAlias(attr) {
		return ""
	}
	switch attr {
	case "email":
		if !username && !verified {
			return ""
		}
		return strings.ToLower(value)
	case "phone_number":
		if !username && !verified {
			return ""
		}
		return value
	case "preferred_username":
		return p.NormalizeUsername(value)
	}
	return ""
}
