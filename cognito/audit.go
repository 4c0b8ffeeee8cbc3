package cognito

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/userpool/userpool/audit"
	"github.com/userpool/userpool/errs"
)

// audit records a signed call once its signature is verified: the action, the access key,
// the ids the request names and the outcome. Only those four ids are read from the body, so
// passwords, secrets and codes (AdminSetUserPassword, AdminInitiateAuth's AuthParameters)
// never reach the trail. Unsigned calls and calls with a bad signature are not recorded:
// anyone can send those, and they change nothing.
func (h *Handler) audit(ctx context.Context, r *http.Request, action string, body []byte, err error) {
	if h.Audit == nil {
		return
	}
	auth, _ := parseSigV4(r.Header.Get("Authorization"))
	var ids struct{ UserPoolId, ClientId, Username, GroupName string }
	_ = json.Unmarshal(body, &ids) // a body the action refused may name no ids
	outcome := audit.OK
	if err != nil {
		outcome = string(errs.Internal)
		if e, ok := errs.As(err); ok {
			outcome = string(e.Code)
		}
	}
	h.Audit.Record(ctx, audit.Record{ActorKind: audit.AccessKey, Actor: auth.accessKeyID, Action: action, PoolID: ids.UserPoolId,
		Target: audit.Targets("ClientId", ids.ClientId, "Username", ids.Username, "GroupName", ids.GroupName), Outcome: outcome})
}
