"""Who may do what: sign-in and sessions (auth), the password policy, user accounts, security events."""
