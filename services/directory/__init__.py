"""The directory service: operator, organisations and their applications, structure, members and roles."""
