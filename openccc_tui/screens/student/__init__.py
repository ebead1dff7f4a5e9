"""The student's pages: Sign In, Username, Password, Validation Code, Update Password,
Edit Profile, and the student's home."""
