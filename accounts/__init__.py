"""Users, phone numbers and the login by a one-time code."""
