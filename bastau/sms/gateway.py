"""Who hands an SMS to the phone network: a `Gateway` with two back ends.

- `MobizonGateway`: the HTTP API of Mobizon (api.mobizon.kz), which Kazakh services use: `SendSmsMessage` takes
  the API key, the recipient's digits, the text and an optional sender name and answers with a message id;
  `GetMessageStatus` tells whether it was delivered. Standard library only (urllib.request with a timeout):
  two form posts and a JSON answer need no HTTP package.
- `DevGateway`: sends nothing; the message counts as delivered at once and is read on the staff page
  "Sent messages". The default (SMS_GATEWAY unset), so `make run` shows every SMS the demo makes.

`send` raises `TemporaryFailure` when trying again later may work (the gateway is down, busy or slow) and
`PermanentFailure` when it will not (a wrong number, a refused text, a bad key); the outbox decides what follows.
"""
from __future__ import annotations

import http.client
import json
import logging
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

log = logging.getLogger("bastau.sms")

Delivery = Literal["delivered", "failed", "pending"]


class TemporaryFailure(Exception):
    """The gateway did not take the message this time; a later try may succeed."""


class PermanentFailure(Exception):
    """The gateway will never take this message as it is."""


@dataclass(frozen=True)
class SendResult:
    gateway_id: str
    delivered: bool = False  # the back end knows it is delivered already (DevGateway)


class Outgoing(Protocol):
    id: int
    phone: str  # +77011234567
    text: str


class Gateway(Protocol):
    name: str  # stored in SmsMessage.gateway
    polls: bool  # has delivery reports to ask for (the sms_status job)

    def send(self, message: Outgoing) -> SendResult: ...

    def status(self, gateway_id: str) -> Delivery: ...


class DevGateway:
    """Development: nothing leaves the machine; staff read the messages on "Sent messages"."""
    name = "dev"
    polls = False

    def send(self, message: Outgoing) -> SendResult:
        log.info("dev SMS %s: not sent, shown on the staff page", message.id)  # no text: it may hold a code
        return SendResult(gateway_id=f"dev-{message.id}", delivered=True)

    def status(self, gateway_id: str) -> Delivery:
        return "delivered"


# Mobizon's answer codes (the JSON "code"; 0 is success). 99 is its "try later"; the other codes mean the request
# itself is wrong (1 wrong data, 2 not found, 8 forbidden or an unknown recipient, 9 bad key, …): sending the
# same again would fail again.
MOBIZON_TEMPORARY_CODES = frozenset({3, 99})
# Delivery reports (SMPP statuses): final ones, and everything else is still on its way.
MOBIZON_DELIVERED = frozenset({"DELIVRD"})
MOBIZON_FAILED = frozenset({"UNDELIV", "REJECTD", "EXPIRED", "DELETED"})


class MobizonGateway:
    name = "mobizon"
    polls = True

    def __init__(self, base_url: str, api_key: str, sender: str = "", timeout: float = 10):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.sender = sender
        self.timeout = timeout

    def send(self, message: Outgoing) -> SendResult:
        fields = {"recipient": recipient_digits(message.phone), "text": message.text}
        if self.sender:
            fields["from"] = self.sender
        data = self._call("service/Message/SendSmsMessage", fields.items())
        message_id = data.get("messageId") if isinstance(data, Mapping) else None
        if not message_id:
            raise PermanentFailure("mobizon: the answer has no messageId")
        return SendResult(gateway_id=str(message_id))

    def status(self, gateway_id: str) -> Delivery:
        return self.statuses([gateway_id]).get(gateway_id, "pending")

    def statuses(self, gateway_ids: Iterable[str]) -> dict[str, Delivery]:
        """Delivery of several messages in one request (Mobizon takes up to 100 ids)."""
        data = self._call("service/Message/GetMessageStatus", [("ids[]", gid) for gid in gateway_ids])
        found: dict[str, Delivery] = {}
        for item in data if isinstance(data, list) else []:
            status = str(item.get("status", "")).upper()
            found[str(item.get("id"))] = ("delivered" if status in MOBIZON_DELIVERED
                                          else "failed" if status in MOBIZON_FAILED else "pending")
        return found

    def _call(self, method: str, fields):
        query = urllib.parse.urlencode({"output": "json", "api": "v1", "apiKey": self.api_key})
        request = urllib.request.Request(
            f"{self.base_url}/{method}?{query}", data=urllib.parse.urlencode(list(fields)).encode(),
            method="POST", headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                                    "Accept": "application/json"})
        # The key is in the address, so no error below quotes the address.
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as error:
            if error.code >= 500 or error.code == 429:
                raise TemporaryFailure(f"mobizon: HTTP {error.code}") from None
            raise PermanentFailure(f"mobizon: HTTP {error.code}") from None
        except (TimeoutError, socket.timeout):
            raise TemporaryFailure(f"mobizon: no answer within {self.timeout:g} s") from None
        except http.client.HTTPException as error:  # the answer broke off half-way
            raise TemporaryFailure(f"mobizon: broken answer ({type(error).__name__})") from None
        except (urllib.error.URLError, ConnectionError, OSError) as error:
            reason = getattr(error, "reason", error)
            if isinstance(reason, (TimeoutError, socket.timeout)):
                raise TemporaryFailure(f"mobizon: no answer within {self.timeout:g} s") from None
            raise TemporaryFailure(f"mobizon: cannot connect ({type(reason).__name__})") from None
        try:
            answer = json.loads(body.decode("utf-8"))
            code = int(answer.get("code"))
        except (ValueError, TypeError, AttributeError, UnicodeDecodeError):
            # Something answered that is not Mobizon (a wrong SMS_API_URL, a proxy's page): asking again will
            # not help, and for a send it is not known whether the message went out.
            raise PermanentFailure("mobizon: the answer is not Mobizon's JSON") from None
        if code == 0:
            return answer.get("data")
        text = f"mobizon code {code}: {answer.get('message') or ''}".strip()[:250]
        raise (TemporaryFailure if code in MOBIZON_TEMPORARY_CODES else PermanentFailure)(text)


def recipient_digits(phone: str) -> str:
    """+77011234567 -> 77011234567, as Mobizon wants the recipient."""
    return "".join(ch for ch in phone if ch.isdigit())


def gateway_for(config: Mapping) -> Gateway:
    """The back end the configuration names (SMS_GATEWAY: "dev", the default, or "mobizon")."""
    if config.get("SMS_GATEWAY", "dev") == "mobizon":
        return MobizonGateway(config.get("SMS_API_URL", "https://api.mobizon.kz"), config.get("SMS_API_KEY", ""),
                              config.get("SMS_SENDER", ""), float(config.get("SMS_TIMEOUT", 10)))
    return DevGateway()
