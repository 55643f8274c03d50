"""Membership: who belongs to an organisation with which roles (R-ROLE-1..6) — visibility (`access`),
the members list and the membership check with its cache, appointments, parent links, and enrolment,
the one path every way in takes."""
