"""Channels beyond the portal: e-mail (SMTP) and one outgoing webhook gateway (an SMS gateway, a WeCom or DingTalk
robot behind it), each message a `Delivery` row and a job on the "deliveries" queue.

- `delivery`: what is sent to whom (a new notification -> its user's channels, by their preferences; a message to a
  retailer; a test message), deferred in the same transaction, and the job that sends one;
- `email`, `gateway`: the two channels (compose, send, and say whether a failure is worth retrying);
- `preferences`: each user's channels, daily digest and quiet hours; `log`: the admin's delivery log and test button.
"""
