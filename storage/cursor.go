package storage

import (
	"encoding/base64"
	"encoding/json"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
)

// maxPage bounds a page when a caller passes no limit; services validate 1–60 themselves.
const maxPage = 60

func pageLimit(p pool.Page) int {
	if p.Limit <= 0 || p.Limit > maxPage {
		return maxPage
	}
	return p.Limit
}

// cursor is the sort key of the last row of a page. It travels base64-encoded, so callers see
// an opaque token. Field ties a user-search cursor to the field it was made for.
type cursor struct {
	Field string `json:"f,omitempty"`
	Value string `json:"v,omitempty"`
	Key   string `json:"k"`
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c) // a struct of strings always marshals
	return base64.RawURLEncoding.EncodeToString(b)
}

var errBadToken = errs.New(errs.InvalidParameter, "Invalid pagination token.")

// decodeCursor returns the zero cursor for "" and InvalidParameter for a token we did not make.
func decodeCursor(token, field string) (cursor, error) {
	if token == "" {
		return cursor{}, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return cursor{}, errBadToken
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil || c.Key == "" || c.Field != field {
		return cursor{}, errBadToken
	}
	return c, nil
}
