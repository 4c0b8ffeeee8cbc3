package user

import (
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
)

var phoneRE = regexp.MustCompile(`^\+[1-9]\d{1,14}$`)

func attrError(name, rule string) error {
	return errs.New(errs.InvalidParameter, "Invalid user attributes: %s: %s", name, rule)
}

// ValidEmail reports whether s is a single bare address (no display name, no angle brackets).
func ValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s && strings.Contains(s, "@")
}

// ValidPhone reports whether s is an E.164 phone number.
func ValidPhone(s string) bool { return phoneRE.MatchString(s) }

// checkAttributes validates attribute writes against the pool schema. creating is true when
// the user is being created (immutable attributes may be set only then). It returns the
// writes as a map; a name given twice is refused.
func checkAttributes(p *pool.Pool, attrs []Attribute, creating bool) (map[string]string, error) {
	out := make(map[string]string, len(attrs))
	for _, a := range attrs {
		if _, dup := out[a.Name]; dup {
			return nil, attrError(a.Name, "Attribute is given more than once.")
		}
		if err := checkAttribute(p, a.Name, a.Value, creating); err != nil {
			return nil, err
		}
		out[a.Name] = a.Value
	}
	return out, nil
}

// checkAttribute validates one attribute value against its schema and the standard
// attributes' formats.
func checkAttribute(p *pool.Pool, name, value string, creating bool) error {
	s := p.Attribute(name)
	if s == nil {
		return attrError(name, "Attribute does not exist in the schema.")
	}
	if name == "sub" {
		return attrError(name, "Cannot modify the sub attribute.")
	}
	if !s.Mutable && !creating {
		return attrError(name, "Cannot modify an immutable attribute after the user is created.")
	}
	if value == "" {
		// An empty value deletes the attribute; the caller applies the deletion rules.
		return nil
	}
	n := utf8.RuneCountInString(value)
	if n > pool.MaxAttributeValueLength {
		return attrError(name, "Value must be at most 2048 characters long.")
	}
	switch s.AttributeDataType {
	case pool.TypeString:
		if c := s.StringAttributeConstraints; c != nil && strings.HasPrefix(name, pool.CustomPrefix) {
			lo, _ := strconv.Atoi(c.MinLength)
			hi, err := strconv.Atoi(c.MaxLength)
			if err != nil {
				hi = pool.MaxAttributeValueLength
			}
			if n < lo || n > hi {
				return attrError(name, "Value must be "+c.MinLength+"-"+strconv.Itoa(hi)+" characters long.")
			}
		}
	case pool.TypeNumber:
		f, err := pool.ParseNumber(value)
		if err != nil {
			return attrError(name, "Value must be a number.")
		}
		if c := s.NumberAttributeConstraints; c != nil {
			if lo, err := pool.ParseNumber(c.MinValue); err == nil && f < lo {
				return attrError(name, "Value must be at least "+c.MinValue+".")
			}
			if hi, err := pool.ParseNumber(c.MaxValue); err == nil && f > hi {
				return attrError(name, "Value must be at most "+c.MaxValue+".")
			}
		}
	case pool.TypeBoolean:
		if value != "true" && value != "false" {
			return attrError(name, `Value must be "true" or "false".`)
		}
	case pool.TypeDateTime:
		if _, err := time.Parse(time.RFC3339, value); err != nil {
			return attrError(name, "Value must be an RFC 3339 date-time such as 2024-01-02T15:04:05Z.")
		}
	}
	return checkStandardFormat(name, value)
}

func checkStandardFormat(name, value string) error {
	switch name {
	case "email":
		if !ValidEmail(value) {
			return attrError(name, "Invalid email address format.")
		}
	case "phone_number":
		if !ValidPhone(value) {
			return attrError(name, "Invalid phone number format: use E.164, e.g. +14155550100.")
		}
	case "birthdate":
		if _, err := time.Parse(time.DateOnly, value); err != nil || len(value) != 10 {
			return attrError(name, "Value must be a valid date in the form YYYY-MM-DD.")
		}
	case "picture", "profile", "website":
		u, err := url.Parse(value)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return attrError(name, "Value must be an absolute http or https URL.")
		}
	}
	return nil
}
