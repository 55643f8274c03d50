"""Organisations: applications to join the platform and their decision by operator staff (R-ORG-2),
an organisation's details (R-ORG-3, R-ORG-4) and its structure — units and classes per academic year
(R-ORG-6)."""
