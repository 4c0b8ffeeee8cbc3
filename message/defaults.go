package message

import "strings"

// Defaults returns the English templates a pool starts with.
func Defaults() Templates {
	return Templates{
		EmailOption: ConfirmWithCode,
		Verification: defaultTemplate("Your verification code",
			[]string{"Your verification code is {####}.", "Enter it to confirm your account. If you did not sign up, you can ignore this email."},
			[]string{"Your verification code is <strong>{####}</strong>.", "Enter it to confirm your account. If you did not sign up, you can ignore this email."},
			"Your verification code is {####}."),
		VerificationByLink: defaultTemplate("Confirm your account",
			[]string{"Please confirm your account:", "{##Confirm my account##}", "If you did not sign up, you can ignore this email."},
			[]string{"Please confirm your account.", "<strong>{##Confirm my account##}</strong>", "If you did not sign up, you can ignore this email."},
			""),
		Invitation: defaultTemplate("Your temporary password",
			[]string{"You have been invited to sign in.", "Your username is {username} and your temporary password is {####}", "You will choose a new password when you first sign in."},
			[]string{"You have been invited to sign in.", "Your username is <strong>{username}</strong> and your temporary password is <strong>{####}</strong>", "You will choose a new password when you first sign in."},
			// Short enough for 140 characters with a 128-character username.
			"{username} pw {####}"),
		ResetPassword: defaultTemplate("Your password reset code",
			[]string{"Your password reset code is {####}.", "If you did not ask to reset your password, you can ignore this email: your password has not changed."},
			[]string{"Your password reset code is <strong>{####}</strong>.", "If you did not ask to reset your password, you can ignore this email: your password has not changed."},
			"Your password reset code is {####}."),
		AttributeVerification: defaultTemplate("Your verification code",
			[]string{"Your code to confirm this address is {####}.", "If you did not ask for it, you can ignore this message."},
			[]string{"Your code to confirm this address is <strong>{####}</strong>.", "If you did not ask for it, you can ignore this message."},
			"Your verification code is {####}."),
		MFA: defaultTemplate("Your sign-in code",
			[]string{"Your sign-in code is {####}.", "If you are not signing in, someone may know your password: change it."},
			[]string{"Your sign-in code is <strong>{####}</strong>.", "If you are not signing in, someone may know your password: change it."},
			"Your sign-in code is {####}."),
	}
}

func defaultTemplate(subject string, text, htmlParagraphs []string, sms string) Template {
	var h strings.Builder
	h.WriteString("<!DOCTYPE html>\n<html><body style=\"font-family:sans-serif\">\n")
	for _, p := range htmlParagraphs {
		h.WriteString("<p>" + p + "</p>\n")
	}
	h.WriteString("</body></html>\n")
	return Template{EmailSubject: subject, EmailText: strings.Join(text, "\n\n") + "\n", EmailHTML: h.String(), SMS: sms}
}
