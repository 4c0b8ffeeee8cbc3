package cognito

import (
	"context"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/keys"
	"github.com/userpool/userpool/pool"
)

// SigningKeys manages the pools' signing keys; *keys.Service is one.
type SigningKeys interface {
	EnsureKey(ctx context.Context, poolID string, alg jose.SignatureAlgorithm) error
	Rotate(ctx context.Context, poolID string, alg jose.SignatureAlgorithm) (keys.Key, error)
}

// syncSigningKey gives a new pool its first key (prevAlg "") and, when an update changed the
// pool's algorithm, schedules a key of the new algorithm: it is published at once and signs
// after the pre-publication period, like any rotation.
func (h *Handler) syncSigningKey(ctx context.Context, p *pool.Pool, prevAlg string) error {
	if h.Keys == nil {
		return nil
	}
	alg := jose.SignatureAlgorithm(p.Algorithm())
	if prevAlg == "" {
		return h.Keys.EnsureKey(ctx, p.Id, alg)
	}
	if prevAlg == string(alg) {
		return nil
	}
	_, err := h.Keys.Rotate(ctx, p.Id, alg)
	return err
}

type rotateSigningKeyIn struct {
	UserPoolId string `required:"true"`
}

type signingKeyType struct {
	KeyId       string `json:"KeyId"`
	Algorithm   string `json:"Algorithm"`
	PublishFrom epoch  `json:"PublishFrom"`
	ActiveFrom  epoch  `json:"ActiveFrom"`
}

type rotateSigningKeyOut struct {
	SigningKey signingKeyType `json:"SigningKey"`
}

// rotateSigningKey (beyond Cognito) rotates the pool's signing key: the first call publishes
// the next key, which signs after the pre-publication period; a call while a next key waits
// promotes it at once (the emergency path for a leaked key).
func (h *Handler) rotateSigningKey(ctx context.Context, in *rotateSigningKeyIn) (*rotateSigningKeyOut, error) {
	if h.Keys == nil {
		return nil, errs.New(errs.InvalidParameter, "Signing keys are not managed by this server.")
	}
	p, err := h.Pools.GetPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	k, err := h.Keys.Rotate(ctx, p.Id, jose.SignatureAlgorithm(p.Algorithm()))
	if err != nil {
		return nil, err
	}
	return &rotateSigningKeyOut{SigningKey: signingKeyType{KeyId: k.ID, Algorithm: string(k.Algorithm),
		PublishFrom: epoch(k.PublishFrom), ActiveFrom: epoch(k.ActiveFrom)}}, nil
}
