"""Notices: people are told what was decided about them and what is new for them (issue 11).

Directory stages the events (the `notices.py` of its organisations, joining and support features);
this feature consumes them:
- the applicant of an organisation, at the application's phone and e-mail, when the operator
  approves or rejects it (R-ORG-2);
- a person whose join request was decided (R-INV-3), and the author of an answered support request
  (R-PRIV-4): live, on the page they have open, or else by SMS/e-mail to their own contact;
- the administrators (and the class teacher, for their class's students and parents) of new join
  and support requests: live only, for the counts on their tabs.
Rooms: `texts` (the Russian words), `store` (its SQL), `delivery` (live frames and the senders),
`events` (the subscription), `config` (its settings). Decision 005 explains the choices.
"""
