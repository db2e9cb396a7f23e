"""The HTTP exchange as it went over the wire, for the WARC request and response records.

Scrapy's request headers lack what Twisted adds when it writes the request (Host,
Connection, the order and case it writes them in), and its response headers lack what
Twisted keeps for itself (Connection, Keep-Alive, Transfer-Encoding). This download handler
is Scrapy's HTTP/1.1 handler with its protocol recording, for each request, the bytes it
wrote to the connection and the response head (status line and headers) it read back. They
reach the downloader middlewares in request.meta["wire"] = {"request": bytes, "head": bytes}.

It relies on private names of Scrapy's handler (_ScrapyAgent, _LenientHTTP11ClientProtocol);
where a Scrapy release lacks them the plain handler is used and the WARC writer rebuilds the
request from Scrapy's headers instead (it says so in each such record).
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler

logger = logging.getLogger(__name__)

WIRE_META = "wire"
# The response head is read until the blank line; a longer one is not an HTTP head we keep.
_MAX_HEAD = 256 * 1024

try:
    from scrapy.core.downloader.handlers.http11 import (
        _LenientHTTP11ClientFactory,
        _LenientHTTP11ClientProtocol,
        _ScrapyAgent,
    )
    from scrapy.exceptions import ResponseDataLossError
    from scrapy.utils._download_handlers import get_dataloss_msg, wrap_twisted_exceptions
    from scrapy.utils.defer import maybe_deferred_to_future
except ImportError:  # pragma: no cover - another Scrapy release
    CAPTURES_WIRE = False
else:
    CAPTURES_WIRE = True


class _Recorder:
    """A transport that keeps a copy of what is written through it."""

    def __init__(self, transport: Any, sink: bytearray) -> None:
        self._transport = transport
        self._sink = sink

    def write(self, data: bytes) -> None:
        self._sink += data
        self._transport.write(data)

    def writeSequence(self, data: list[bytes]) -> None:  # noqa: N802 - Twisted's name
        for chunk in data:
            self._sink += chunk
        self._transport.writeSequence(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


if CAPTURES_WIRE:

    class _WireProtocol(_LenientHTTP11ClientProtocol):
        """Records each request as written and the head of its response as read."""

        _wire_head: bytearray | None = None

        def request(self, request: Any) -> Any:
            sent = bytearray()
            # Each attempt (Twisted retries a request once on a fresh connection when a kept
            # one was closed) records only what it wrote itself.
            write_to = functools.partial(type(request).writeTo, request)
            request.writeTo = lambda transport: write_to(_Recorder(transport, sent))
            head = self._wire_head = bytearray()
            d = super().request(request)

            def attach(response: Any) -> Any:
                response._ncmes_wire = {"request": bytes(sent), "head": bytes(head)}
                return response

            d.addCallback(attach)
            return d

        def dataReceived(self, data: bytes) -> None:  # noqa: N802 - Twisted's name
            head = self._wire_head
            if head is not None:
                head += data
                end = head.find(b"\r\n\r\n")
                if end >= 0:
                    del head[end + 4 :]
                    self._wire_head = None
                elif len(head) > _MAX_HEAD:
                    head.clear()
                    self._wire_head = None
            super().dataReceived(data)

    class _WireFactory(_LenientHTTP11ClientFactory):
        def buildProtocol(self, addr: Any) -> Any:  # noqa: N802 - Twisted's name
            return _WireProtocol(self._quiescentCallback)

    class _WireAgent(_ScrapyAgent):
        def _cb_bodyready(self, txresponse: Any, request: Any) -> Any:
            wire = getattr(txresponse, "_ncmes_wire", None)
            if wire is not None:
                request.meta[WIRE_META] = wire
            return super()._cb_bodyready(txresponse, request)


class WireHTTP11DownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 download handler, recording each exchange's wire form."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self.captures_wire = CAPTURES_WIRE
        if self.captures_wire:
            self._pool._factory = _WireFactory

    def _agent(self) -> Any:
        return _WireAgent(
            contextFactory=self._contextFactory,
            bindAddress=self._bind_address,
            pool=self._pool,
            maxsize=getattr(self._crawler.spider, "download_maxsize", self._default_maxsize),
            warnsize=getattr(self._crawler.spider, "download_warnsize", self._default_warnsize),
            fail_on_dataloss=self._fail_on_dataloss,
            crawler=self._crawler,
            tls_verbose_logging=self._tls_verbose_logging,
        )

    async def download_request(self, request: Any) -> Any:
        # A retried or redirected copy carries its parent's meta: never its wire record.
        request.meta.pop(WIRE_META, None)
        agent = None
        if self.captures_wire:
            try:
                agent = self._agent()
            except (TypeError, AttributeError) as exc:  # pragma: no cover - another Scrapy
                logger.warning("requests are archived as Scrapy holds them, not as sent: %s", exc)
                self.captures_wire = False
        if agent is None:
            return await super().download_request(request)
        try:
            with wrap_twisted_exceptions():
                return await maybe_deferred_to_future(agent.download_request(request))
        except ResponseDataLossError:
            if not self._fail_on_dataloss_warned:
                logger.warning(get_dataloss_msg(request.url))
                self._fail_on_dataloss_warned = True
            raise
