"""Notifications: the worker beside the portal, the rules that turn record changes into notices, and each user's
notices (the bell and the notifications page draw them; this package is domain only, no Streamlit).

- `queue`: the procrastinate App on the portal's own database role, and the event task the outbox names;
- `rules`: event -> notices (the first rule: a complaint assigned -> its new handler);
- `inbox`: a user's notices: list (unread first), unread count, mark read, mark all read;
- `worker`: `python -m portal worker`, and the worker that `python -m portal run` starts beside the server.
"""
