package storage

import (
	"github.com/userpool/userpool/accesskey"
	"github.com/userpool/userpool/keys"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/session"
	"github.com/userpool/userpool/user"
)

var (
	_ pool.Store      = (*Store)(nil)
	_ user.Store      = (*Store)(nil)
	_ accesskey.Store = (*Store)(nil)
	_ keys.Store      = (*Store)(nil)
)

var _ session.BrowserStore = (*Store)(nil)
