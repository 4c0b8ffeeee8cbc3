package user

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/message"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/trigger"
)

// updateAttributes applies validated attribute writes to u and saves them with their codes and
// messages in one transaction. For email and phone_number, unless the same call sets the
// verified flag (which then applies as given, as in Cognito):
//   - when the pool lists the attribute in AttributesRequireVerificationBeforeUpdate and the
//     current value is verified, the change is pending: the old value stays the attribute and
//     the sign-in alias, and a code goes to the new value (VerifyAttribute applies it);
//   - otherwise the new value is set unverified, and a code goes to it when the pool
//     auto-verifies the attribute.
//
// Any other change of the attribute drops a pending one. It returns where the codes went.
func (s *Service) updateAttributes(ctx context.Context, p *pool.Pool, u *User, writes map[string]string) ([]*CodeDelivery, error) {
	next := maps.Clone(u.Attributes)
	if next == nil {
		next = map[string]string{}
	}
	var fx Effects
	var verify []codeTarget
	for _, name := range slices.Sorted(maps.Keys(writes)) {
		v := writes[name]
		isContact := name == "email" || name == "phone_number"
		if v == "" {
			if err := checkDeletable(p, name); err != nil {
				return nil, err
			}
			delete(next, name)
			if isContact {
				fx.DeleteCodes = append(fx.DeleteCodes, verifyPurpose(name))
			}
			continue
		}
		if isContact && next[name] != v {
			fx.DeleteCodes = append(fx.DeleteCodes, verifyPurpose(name))
			if _, set := writes[name+"_verified"]; !set {
				target := codeTarget{purpose: verifyPurpose(name), channel: channelOf(name), to: v, value: v}
				if slices.Contains(p.UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate, name) &&
					next[name] != "" && next[name+"_verified"] == "true" {
					verify = append(verify, target)
					continue // pending: the verified value stays until the new one is confirmed
				}
				next[name+"_verified"] = "false"
				if slices.Contains(p.AutoVerifiedAttributes, name) {
					verify = append(verify, target)
				}
			}
		}
		next[name] = v
	}
	applyAttributes(p, u, next)
	var deliveries []*CodeDelivery
	for _, t := range verify {
		t.pool, t.user = p, u
		ts, err := s.messageTemplates(ctx, p, u, trigger.CustomMessageUpdateUserAttribute, message.AttributeVerification, nil)
		if err != nil {
			return nil, err
		}
		t.templates = &ts
		c, m, err := s.composeCode(t)
		if err != nil {
			return nil, err
		}
		fx.Codes, fx.Messages = append(fx.Codes, c), append(fx.Messages, m)
		deliveries = append(deliveries, newDelivery(t.channel, t.to))
	}
	u.UpdatedAt = s.now().UTC()
	if err := s.store.UpdateUserWith(ctx, u, fx); err != nil {
		return nil, fmt.Errorf("update attributes: %w", err)
	}
	if len(fx.Messages) > 0 {
		s.wake()
	}
	return deliveries, nil
}

// VerifyAttribute confirms the user's email or phone_number with the code sent to it: a
// pending new value becomes the attribute (and sign-in alias), verified; otherwise the
// current value is marked verified. The App API's VerifyUserAttribute calls it.
func (s *Service) VerifyAttribute(ctx context.Context, poolID, sub, attr, code string) error {
	if attr != "email" && attr != "phone_number" {
		return errs.New(errs.InvalidParameter, "Only email and phone_number can be verified, not %q.", attr)
	}
	p, err := s.pools.GetPool(ctx, poolID)
	if err != nil {
		return fmt.Errorf("verify attribute: %w", err)
	}
	u, err := s.store.GetUser(ctx, poolID, Lookup{Kind: BySub, Key: sub})
	if err != nil {
		return fmt.Errorf("verify attribute: %w", err)
	}
	purpose := verifyPurpose(attr)
	// A value another user holds as an alias is refused before the code is spent on it.
	pending, err := s.store.GetCode(ctx, poolID, sub, purpose)
	if err != nil {
		return fmt.Errorf("verify attribute: %w", err)
	}
	if pending != nil && pending.Value != "" && pending.Value != u.Attributes[attr] && slices.Contains(p.SignInAttributes(), attr) {
		if key := p.AliasKey(attr, pending.Value, true); key != "" {
			other, err := s.store.GetUser(ctx, poolID, Lookup{Kind: ByAlias, Attr: attr, Key: key})
			if err == nil && other.Sub != sub {
				return errs.New(errs.AliasExists, "An account with the given %s already exists.", attr)
			}
			if err != nil && !errs.Is(err, errs.UserNotFound) {
				return fmt.Errorf("verify attribute: %w", err)
			}
		}
	}
	c, err := s.VerifyCode(ctx, poolID, sub, purpose, code)
	if err != nil {
		return err
	}
	next := maps.Clone(u.Attributes)
	if next == nil {
		next = map[string]string{}
	}
	if c.Value != "" {
		next[attr] = c.Value
	}
	if next[attr] == "" {
		return errs.New(errs.InvalidParameter, "The user has no %s to verify.", attr)
	}
	next[attr+"_verified"] = "true"
	applyAttributes(p, u, next)
	return s.update(ctx, u, "verify attribute")
}

// invitation composes the AdminCreateUser messages (username and temporary password) for the
// mediums asked for. With none asked, Cognito's default is SMS; here it is SMS when the user
// has a phone number and email otherwise, so that a user with only an email is still invited.
func (s *Service) invitation(ctx context.Context, p *pool.Pool, u *User, username, password string, mediums []string) ([]*message.Message, error) {
	if len(mediums) == 0 {
		switch {
		case u.Attributes["phone_number"] != "":
			mediums = []string{MediumSMS}
		case u.Attributes["email"] != "":
			mediums = []string{MediumEmail}
		}
	}
	from, replyTo := p.MailFrom()
	var out []*message.Message
	var templates *message.Templates // from the custom message trigger, asked once
	for i, medium := range mediums {
		d := message.Draft{PoolID: p.Id, Type: message.Invitation, Values: message.Values{Code: password, Username: username}}
		switch medium {
		case MediumEmail:
			d.Channel, d.Destination, d.From, d.ReplyTo = message.Email, u.Attributes["email"], from, replyTo
		case MediumSMS:
			d.Channel, d.Destination = message.SMS, u.Attributes["phone_number"]
		default:
			return nil, errs.New(errs.InvalidParameter, "DesiredDeliveryMediums: %q is not EMAIL or SMS.", medium)
		}
		if slices.Contains(mediums[:i], medium) {
			return nil, errs.New(errs.InvalidParameter, "DesiredDeliveryMediums: %s is given more than once.", medium)
		}
		if d.Destination == "" {
			return nil, errs.New(errs.InvalidParameter, "DesiredDeliveryMediums has %s but the user has no %s attribute.", medium, attributeOf(d.Channel))
		}
		if templates == nil {
			ts, err := s.messageTemplates(ctx, p, u, trigger.CustomMessageAdminCreateUser, message.Invitation, nil)
			if err != nil {
				return nil, err
			}
			templates = &ts
		}
		m, err := message.New(*templates, d, s.now().UTC())
		if err != nil {
			return nil, fmt.Errorf("compose invitation: %w", err)
		}
		out = append(out, m)
	}
	return out, nil
}
