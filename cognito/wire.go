package cognito

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/user"
)

// epoch is a timestamp on the wire: seconds since the epoch as a JSON number, with
// millisecond precision (Cognito's DateType).
type epoch time.Time

func (t epoch) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, float64(time.Time(t).UnixMilli())/1000, 'f', -1, 64), nil
}

// pageToken returns the next-page token for the wire: absent at the end.
func pageToken(next string) *string {
	if next == "" {
		return nil
	}
	return &next
}

// str returns the value of an optional string member.
func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// orDefault returns *p, or def when the member is absent.
func orDefault[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// userType is Cognito's UserType.
type userType struct {
	Username             string           `json:"Username"`
	Attributes           []user.Attribute `json:"Attributes"`
	UserCreateDate       epoch            `json:"UserCreateDate"`
	UserLastModifiedDate epoch            `json:"UserLastModifiedDate"`
	Enabled              bool             `json:"Enabled"`
	UserStatus           user.Status      `json:"UserStatus"`
}

func toUserType(u *user.User, only []string) userType {
	return userType{
		Username:             u.Username,
		Attributes:           attributesOf(u, only),
		UserCreateDate:       epoch(u.CreatedAt),
		UserLastModifiedDate: epoch(u.UpdatedAt),
		Enabled:              u.Enabled,
		UserStatus:           u.Status,
	}
}

func toUserTypes(users []*user.User, only []string) []userType {
	out := make([]userType, 0, len(users))
	for _, u := range users {
		out = append(out, toUserType(u, only))
	}
	return out
}

// attributesOf lists a user's attributes, sub first and the rest by name, as Cognito returns
// them; when only is non-empty, just those attributes.
func attributesOf(u *user.User, only []string) []user.Attribute {
	want := func(name string) bool { return len(only) == 0 || slices.Contains(only, name) }
	out := make([]user.Attribute, 0, len(u.Attributes)+1)
	if want("sub") {
		out = append(out, user.Attribute{Name: "sub", Value: u.Sub})
	}
	names := make([]string, 0, len(u.Attributes))
	for name := range u.Attributes {
		if name != "sub" && want(name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		out = append(out, user.Attribute{Name: name, Value: u.Attributes[name]})
	}
	return out
}

// groupType is Cognito's GroupType.
type groupType struct {
	*pool.Group
	CreationDate     epoch `json:"CreationDate"`
	LastModifiedDate epoch `json:"LastModifiedDate"`
}

func toGroupType(g *pool.Group) groupType {
	return groupType{Group: g, CreationDate: epoch(g.CreationDate), LastModifiedDate: epoch(g.LastModifiedDate)}
}

func toGroupTypes(groups []*pool.Group) []groupType {
	out := make([]groupType, 0, len(groups))
	for _, g := range groups {
		out = append(out, toGroupType(g))
	}
	return out
}

// poolARN is the pool's ARN in AWS form, with the region taken from the pool id.
func poolARN(id string) string {
	region, _, _ := strings.Cut(id, "_")
	return "arn:aws:cognito-idp:" + region + ":000000000000:userpool/" + id
}
