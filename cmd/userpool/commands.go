package main

// The CLI's commands: each maps a "group subcommand" to a Cognito action and says how its flags
// build the JSON request. Adding a command is adding a row.

// kind says how a flag's value goes into the request.
type kind int

const (
	kString kind = iota
	kInt         // a JSON number
	kBool        // a boolean flag (--flag or --flag=false)
	kList        // repeatable, comma-separated: a list of strings
	kAttrs       // repeatable name=value: [{"Name":..., "Value":...}]
	kScopes      // repeatable name=description: [{"ScopeName":..., "ScopeDescription":...}]
	kFile        // a file's path: its bytes, base64 in the JSON (AWS blobs)
	kText        // a file's path: its text
	kLinks       // repeatable text=url: [{"Text":..., "Url":...}]
)

// field is one flag: where its value goes in the request (dot-separated; "X[]" is the single
// element of the list X), its kind, and a default used when the flag is not given.
type field struct {
	flag     string
	path     string
	kind     kind
	required bool
	def      string
}

// apiCommand is one row of the table.
type apiCommand struct {
	action string
	fields []field
	table  *tableSpec // how --output table shows a list response; nil for single objects
}

// Fields shared by several commands.
var (
	fPool     = field{flag: "pool", path: "UserPoolId", required: true}
	fClient   = field{flag: "client-id", path: "ClientId", required: true}
	fUsername = field{flag: "username", path: "Username", required: true}
	fGroup    = field{flag: "group", path: "GroupName", required: true}
	fLimit    = field{flag: "limit", path: "Limit", kind: kInt}
	fToken    = field{flag: "next-token", path: "NextToken"}
)

// Pool settings accepted by create and update.
var poolSettings = []field{
	{flag: "auto-verify", path: "AutoVerifiedAttributes", kind: kList},
	{flag: "mfa", path: "MfaConfiguration"},
	{flag: "min-length", path: "Policies.PasswordPolicy.MinimumLength", kind: kInt},
	{flag: "require-lowercase", path: "Policies.PasswordPolicy.RequireLowercase", kind: kBool},
	{flag: "require-uppercase", path: "Policies.PasswordPolicy.RequireUppercase", kind: kBool},
	{flag: "require-numbers", path: "Policies.PasswordPolicy.RequireNumbers", kind: kBool},
	{flag: "require-symbols", path: "Policies.PasswordPolicy.RequireSymbols", kind: kBool},
	{flag: "temporary-password-validity-days", path: "Policies.PasswordPolicy.TemporaryPasswordValidityDays", kind: kInt},
	{flag: "password-history-size", path: "Policies.PasswordPolicy.PasswordHistorySize", kind: kInt},
	{flag: "deletion-protection", path: "DeletionProtection"},
	{flag: "signing-algorithm", path: "SigningAlgorithm"},
	{flag: "verify-before-update", path: "UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate", kind: kList},
	// Messages: the Cognito fields; HTML bodies and the other templates go in --json as MessageTemplates.
	{flag: "verification-email-subject", path: "VerificationMessageTemplate.EmailSubject"},
	{flag: "verification-email-message", path: "VerificationMessageTemplate.EmailMessage"},
	{flag: "verification-sms-message", path: "VerificationMessageTemplate.SmsMessage"},
	{flag: "default-email-option", path: "VerificationMessageTemplate.DefaultEmailOption"},
	{flag: "invite-email-subject", path: "AdminCreateUserConfig.InviteMessageTemplate.EmailSubject"},
	{flag: "invite-email-message", path: "AdminCreateUserConfig.InviteMessageTemplate.EmailMessage"},
	{flag: "invite-sms-message", path: "AdminCreateUserConfig.InviteMessageTemplate.SMSMessage"},
	{flag: "admin-create-user-only", path: "AdminCreateUserConfig.AllowAdminCreateUserOnly", kind: kBool},
	{flag: "sms-authentication-message", path: "SmsAuthenticationMessage"},
	{flag: "email-from", path: "EmailConfiguration.From"},
	{flag: "email-reply-to", path: "EmailConfiguration.ReplyToEmailAddress"},
	{flag: "sign-up-code-minutes", path: "CodeValidity.SignUpMinutes", kind: kInt},
	{flag: "reset-password-code-minutes", path: "CodeValidity.ResetPasswordMinutes", kind: kInt},
	{flag: "attribute-code-minutes", path: "CodeValidity.AttributeVerificationMinutes", kind: kInt},
	// Triggers: webhook URLs where Cognito takes Lambda ARNs, and their signing secrets
	// (Name=whsec_..., or Name= to generate one).
	{flag: "pre-sign-up-url", path: "LambdaConfig.PreSignUp"},
	{flag: "custom-message-url", path: "LambdaConfig.CustomMessage"},
	{flag: "post-confirmation-url", path: "LambdaConfig.PostConfirmation"},
	{flag: "pre-authentication-url", path: "LambdaConfig.PreAuthentication"},
	{flag: "post-authentication-url", path: "LambdaConfig.PostAuthentication"},
	{flag: "pre-token-generation-url", path: "LambdaConfig.PreTokenGenerationConfig.LambdaArn"},
	{flag: "user-migration-url", path: "LambdaConfig.UserMigration"},
	{flag: "trigger-secret", path: "TriggerSecrets", kind: kAttrs},
}

// App client settings accepted by create and update.
var clientSettings = []field{
	{flag: "callback-url", path: "CallbackURLs", kind: kList},
	{flag: "logout-url", path: "LogoutURLs", kind: kList},
	{flag: "default-redirect-uri", path: "DefaultRedirectURI"},
	{flag: "oauth-flow", path: "AllowedOAuthFlows", kind: kList},
	{flag: "oauth-scope", path: "AllowedOAuthScopes", kind: kList},
	{flag: "oauth-flows-user-pool-client", path: "AllowedOAuthFlowsUserPoolClient", kind: kBool},
	{flag: "auth-flow", path: "ExplicitAuthFlows", kind: kList},
	{flag: "identity-provider", path: "SupportedIdentityProviders", kind: kList},
	{flag: "read-attribute", path: "ReadAttributes", kind: kList},
	{flag: "write-attribute", path: "WriteAttributes", kind: kList},
	{flag: "access-token-validity", path: "AccessTokenValidity", kind: kInt},
	{flag: "id-token-validity", path: "IdTokenValidity", kind: kInt},
	{flag: "refresh-token-validity", path: "RefreshTokenValidity", kind: kInt},
	{flag: "prevent-user-existence-errors", path: "PreventUserExistenceErrors"},
	{flag: "enable-token-revocation", path: "EnableTokenRevocation", kind: kBool},
	{flag: "refresh-token-rotation", path: "RefreshTokenRotation.Feature"},
	{flag: "refresh-token-grace-seconds", path: "RefreshTokenRotation.RetryGracePeriodSeconds", kind: kInt},
	{flag: "allow-loopback-any-port", path: "AllowLoopbackRedirectAnyPort", kind: kBool},
}

func join(parts ...[]field) []field {
	var out []field
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

var (
	poolsTable = &tableSpec{list: "UserPools", columns: []column{
		col("ID", "Id"), col("NAME", "Name"), col("CREATED", "CreationDate"), col("MODIFIED", "LastModifiedDate")}}
	appsTable = &tableSpec{list: "UserPoolClients", columns: []column{
		col("CLIENT ID", "ClientId"), col("NAME", "ClientName"), col("POOL", "UserPoolId")}}
	usersTable = &tableSpec{list: "Users", columns: []column{
		col("USERNAME", "Username"), col("STATUS", "UserStatus"), col("ENABLED", "Enabled"),
		attrCol("EMAIL", "email"), attrCol("SUB", "sub"), col("CREATED", "UserCreateDate")}}
	groupsTable = &tableSpec{list: "Groups", columns: []column{
		col("NAME", "GroupName"), col("DESCRIPTION", "Description"), col("PRECEDENCE", "Precedence"), col("CREATED", "CreationDate")}}
	messagesTable = &tableSpec{list: "Messages", columns: []column{
		col("CREATED", "CreationDate"), col("TYPE", "Type"), col("CHANNEL", "Channel"), col("TO", "Destination"),
		col("STATUS", "Status"), col("ATTEMPTS", "Attempts"), col("ERROR", "LastError")}}
	triggersTable = &tableSpec{list: "Invocations", columns: []column{
		col("DATE", "Date"), col("TRIGGER", "Trigger"), col("SOURCE", "TriggerSource"), col("STATUS", "Status"),
		col("HTTP", "HttpStatus"), col("MS", "DurationMs"), col("ERROR", "Error")}}
	resourceServersTable = &tableSpec{list: "ResourceServers", columns: []column{
		col("IDENTIFIER", "Identifier"), col("NAME", "Name"), countCol("SCOPES", "Scopes")}}
)

// commands maps "group subcommand" to its row.
var commands = map[string]apiCommand{
	"pools create": {action: "CreateUserPool", fields: join([]field{
		{flag: "name", path: "PoolName", required: true},
		{flag: "username-attributes", path: "UsernameAttributes", kind: kList},
		{flag: "alias-attributes", path: "AliasAttributes", kind: kList},
		{flag: "case-sensitive", path: "UsernameConfiguration.CaseSensitive", kind: kBool},
	}, poolSettings)},
	"pools list": {action: "ListUserPools", table: poolsTable, fields: []field{
		{flag: "max-results", path: "MaxResults", kind: kInt, def: "60"}, fToken}},
	"pools get":     {action: "DescribeUserPool", fields: []field{fPool}},
	"pools update":  {action: "UpdateUserPool", fields: join([]field{fPool}, poolSettings)},
	"pools delete":  {action: "DeleteUserPool", fields: []field{fPool}},
	"triggers test": {action: "TestTrigger", fields: []field{fPool, {flag: "trigger", path: "Trigger", required: true}}},
	"triggers log": {action: "ListTriggerInvocations", table: triggersTable, fields: []field{fPool,
		{flag: "max-results", path: "MaxResults", kind: kInt}}},
	"pools add-attribute": {action: "AddCustomAttributes", fields: []field{fPool,
		{flag: "name", path: "CustomAttributes[].Name", required: true},
		{flag: "type", path: "CustomAttributes[].AttributeDataType", def: "String"},
		{flag: "mutable", path: "CustomAttributes[].Mutable", kind: kBool},
		{flag: "min-length", path: "CustomAttributes[].StringAttributeConstraints.MinLength"},
		{flag: "max-length", path: "CustomAttributes[].StringAttributeConstraints.MaxLength"},
		{flag: "min-value", path: "CustomAttributes[].NumberAttributeConstraints.MinValue"},
		{flag: "max-value", path: "CustomAttributes[].NumberAttributeConstraints.MaxValue"},
	}},

	"apps create": {action: "CreateUserPoolClient", fields: join([]field{fPool,
		{flag: "name", path: "ClientName", required: true},
		{flag: "generate-secret", path: "GenerateSecret", kind: kBool},
	}, clientSettings)},
	"apps list": {action: "ListUserPoolClients", table: appsTable, fields: []field{fPool,
		{flag: "max-results", path: "MaxResults", kind: kInt, def: "60"}, fToken}},
	"apps get":    {action: "DescribeUserPoolClient", fields: []field{fPool, fClient}},
	"apps update": {action: "UpdateUserPoolClient", fields: join([]field{fPool, fClient, {flag: "name", path: "ClientName"}}, clientSettings)},
	"apps delete": {action: "DeleteUserPoolClient", fields: []field{fPool, fClient}},

	"users create": {action: "AdminCreateUser", fields: []field{fPool, fUsername,
		{flag: "attr", path: "UserAttributes", kind: kAttrs},
		{flag: "temporary-password", path: "TemporaryPassword"},
		{flag: "message-action", path: "MessageAction"},
		{flag: "force-alias-creation", path: "ForceAliasCreation", kind: kBool},
		{flag: "delivery", path: "DesiredDeliveryMediums", kind: kList},
	}},
	"users list": {action: "ListUsers", table: usersTable, fields: []field{fPool,
		{flag: "filter", path: "Filter"}, fLimit,
		{flag: "next-token", path: "PaginationToken"},
		{flag: "attributes-to-get", path: "AttributesToGet", kind: kList},
	}},
	"users get":            {action: "AdminGetUser", fields: []field{fPool, fUsername}},
	"users delete":         {action: "AdminDeleteUser", fields: []field{fPool, fUsername}},
	"users enable":         {action: "AdminEnableUser", fields: []field{fPool, fUsername}},
	"users disable":        {action: "AdminDisableUser", fields: []field{fPool, fUsername}},
	"users confirm":        {action: "AdminConfirmSignUp", fields: []field{fPool, fUsername}},
	"users reset-password": {action: "AdminResetUserPassword", fields: []field{fPool, fUsername}},
	"users set-password": {action: "AdminSetUserPassword", fields: []field{fPool, fUsername,
		{flag: "password", path: "Password", required: true},
		{flag: "permanent", path: "Permanent", kind: kBool},
	}},
	"users update-attributes": {action: "AdminUpdateUserAttributes", fields: []field{fPool, fUsername,
		{flag: "attr", path: "UserAttributes", kind: kAttrs, required: true}}},
	"users delete-attributes": {action: "AdminDeleteUserAttributes", fields: []field{fPool, fUsername,
		{flag: "name", path: "UserAttributeNames", kind: kList, required: true}}},
	"users add-to-group":      {action: "AdminAddUserToGroup", fields: []field{fPool, fUsername, fGroup}},
	"users remove-from-group": {action: "AdminRemoveUserFromGroup", fields: []field{fPool, fUsername, fGroup}},
	"users groups":            {action: "AdminListGroupsForUser", table: groupsTable, fields: []field{fPool, fUsername, fLimit, fToken}},

	"groups create": {action: "CreateGroup", fields: []field{fPool, fGroup,
		{flag: "description", path: "Description"},
		{flag: "precedence", path: "Precedence", kind: kInt},
		{flag: "role-arn", path: "RoleArn"},
	}},
	"groups get": {action: "GetGroup", fields: []field{fPool, fGroup}},
	"groups update": {action: "UpdateGroup", fields: []field{fPool, fGroup,
		{flag: "description", path: "Description"},
		{flag: "precedence", path: "Precedence", kind: kInt},
		{flag: "role-arn", path: "RoleArn"},
	}},
	"groups delete": {action: "DeleteGroup", fields: []field{fPool, fGroup}},
	"groups list":   {action: "ListGroups", table: groupsTable, fields: []field{fPool, fLimit, fToken}},
	"groups users":  {action: "ListUsersInGroup", table: usersTable, fields: []field{fPool, fGroup, fLimit, fToken}},

	"resource-servers create": {action: "CreateResourceServer", fields: []field{fPool,
		{flag: "identifier", path: "Identifier", required: true},
		{flag: "name", path: "Name", required: true},
		{flag: "scope", path: "Scopes", kind: kScopes},
	}},
	"messages list": {action: "ListMessages", table: messagesTable, fields: []field{fPool,
		{flag: "status", path: "Status"},
		{flag: "max-results", path: "MaxResults", kind: kInt},
		fToken}},

	"resource-servers get":    {action: "DescribeResourceServer", fields: []field{fPool, {flag: "identifier", path: "Identifier", required: true}}},
	"resource-servers delete": {action: "DeleteResourceServer", fields: []field{fPool, {flag: "identifier", path: "Identifier", required: true}}},
	"keys rotate":             {action: "RotateSigningKey", fields: []field{fPool}},
	"mfa get-config":          {action: "GetUserPoolMfaConfig", fields: []field{fPool}},
	"mfa set-config": {action: "SetUserPoolMfaConfig", fields: []field{fPool,
		{flag: "mfa", path: "MfaConfiguration"},
		{flag: "totp", path: "SoftwareTokenMfaConfiguration.Enabled", kind: kBool},
		{flag: "sms", path: "SmsMfaConfiguration.Enabled", kind: kBool},
		{flag: "sms-message", path: "SmsMfaConfiguration.SmsAuthenticationMessage"},
		{flag: "email", path: "EmailMfaConfiguration.Enabled", kind: kBool},
		{flag: "email-message", path: "EmailMfaConfiguration.Message"},
		{flag: "email-subject", path: "EmailMfaConfiguration.Subject"}}},
	"mfa set-preference": {action: "AdminSetUserMFAPreference", fields: []field{fPool, fUsername,
		{flag: "totp", path: "SoftwareTokenMfaSettings.Enabled", kind: kBool},
		{flag: "totp-preferred", path: "SoftwareTokenMfaSettings.PreferredMfa", kind: kBool},
		{flag: "sms", path: "SMSMfaSettings.Enabled", kind: kBool},
		{flag: "sms-preferred", path: "SMSMfaSettings.PreferredMfa", kind: kBool},
		{flag: "email", path: "EmailMfaSettings.Enabled", kind: kBool},
		{flag: "email-preferred", path: "EmailMfaSettings.PreferredMfa", kind: kBool}}},
	"mfa reset": {action: "AdminResetUserMFA", fields: []field{fPool, fUsername}},
	"branding set": {action: "SetUICustomization", fields: []field{fPool,
		{flag: "client-id", path: "ClientId"},
		{flag: "css-file", path: "CSS", kind: kText},
		{flag: "logo", path: "ImageFile", kind: kFile},
		{flag: "primary-color", path: "PrimaryColor"},
		{flag: "background-color", path: "BackgroundColor"},
		{flag: "title", path: "PageTitle"},
		{flag: "footer-link", path: "FooterLinks", kind: kLinks}}},
	"branding get": {action: "GetUICustomization", fields: []field{fPool, {flag: "client-id", path: "ClientId"}}},

	"resource-servers list": {action: "ListResourceServers", table: resourceServersTable, fields: []field{fPool,
		{flag: "max-results", path: "MaxResults", kind: kInt, def: "50"}, fToken}},
}
