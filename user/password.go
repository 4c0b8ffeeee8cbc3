package user

import (
	"fmt"

	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/srp"
)

// setPassword is the one place a password is set: it hashes it with argon2id, keeps the
// replaced permanent password in the history (rotatePassword) and derives the SRP salt and
// verifier, so that USER_SRP_AUTH works with every password the user can sign in with. It
// checks nothing: callers check the policy (and the history, for permanent passwords) first.
func (s *Service) setPassword(p *pool.Pool, u *User, password string) error {
	hash, err := s.hasher.Hash(password)
	if err != nil {
		return err
	}
	if err := s.setVerifier(p, u, password); err != nil {
		return err
	}
	s.rotatePassword(p, u, hash)
	return nil
}

// setVerifier derives a fresh SRP salt and verifier for password. The SRP user id is the
// user's Username (USER_ID_FOR_SRP; the sub in pools with UsernameAttributes) and the pool
// name the part of the pool id after "_", as the clients compute them.
func (s *Service) setVerifier(p *pool.Pool, u *User, password string) error {
	salt, verifier, err := srp.NewVerifier(srp.PoolName(p.Id), u.Username, password)
	if err != nil {
		return fmt.Errorf("derive srp verifier: %w", err)
	}
	u.SRPSalt, u.SRPVerifier = salt, verifier
	return nil
}

// checkNewPassword checks a new permanent password: the pool's policy (the user's names are
// known words) and the password history.
func (s *Service) checkNewPassword(p *pool.Pool, u *User, password string, extraInputs ...string) error {
	if err := CheckPassword(p.Policies.PasswordPolicy, password, userInputs(u, extraInputs...)...); err != nil {
		return err
	}
	return s.checkHistory(p, u, password)
}
