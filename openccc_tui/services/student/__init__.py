"""What a student does: sign in, recover access, edit the account, applications."""
