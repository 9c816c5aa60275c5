"""SMS to applicants: an outbox written with the event, delivered by the job engine through a gateway.

`queue(application, kind, key=..., **values)` (bastau/sms/outbox.py) is the one way to send: it writes a row in
the caller's transaction, so nothing is sent for a change that rolled back. What triggers which message is in
bastau/sms/events.py; the words are in bastau/sms/texts.py.
"""
