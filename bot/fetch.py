"""Fetching a web page for `isnad add URL` and Telegram's /add URL: one page, within limits, or one reason why not.

Links that arrive through Telegram are held by a guard: every address a host name resolves to, at the
first request and at every redirect, must be a public one, and the request then goes to that very
address (the host name kept for the Host header and TLS), so a DNS answer cannot change in between.
"""
from __future__ import annotations

import hashlib
import ipaddress
import re
import socket
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

import httpx

from index.articles import ArticleError
from index.html_pages import decode_html, saved_from_mark

if TYPE_CHECKING:
    from bot.service import AddedArticle, AnswerService
    from bot.settings import Settings

USER_AGENT = "Mozilla/5.0 (compatible; Isnad/0.1; news question answering)"
HTML_TYPE = "text/html"
CHUNK = 65536
SLUG_CHARACTERS = re.compile(r"[^\w.\-]+")
MAX_SLUG = 80
DOCTYPE = re.compile(r"^\s*<!doctype[^>]*>\s*", re.I)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Guard = Callable[[str, IPAddress], None]


class FetchError(ValueError):
    """A link that cannot be added; the message says why, in one line."""


@dataclass(frozen=True)
class FetchLimits:
    timeout: float = 10.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5


@dataclass(frozen=True)
class FetchedPage:
    url: str  # where the page was found, after redirects
    html: str


def is_web_link(text: str) -> bool:
    return bool(re.match(r"^https?://\S+$", text.strip(), re.I))


def refuse_private(host: str, address: IPAddress) -> None:
    """The guard for links from Telegram: loopback, private, link-local, reserved and multicast are refused."""
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    if not address.is_global or address.is_multicast:
        raise FetchError(f"{host} is at {address}, a private, loopback or link-local address, which links sent "
                         "through Telegram may not reach ([telegram] allow_private_links)")


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the host name resolves to."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise FetchError(f"cannot resolve {host}: {error.strerror}") from None
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos))


def _guarded_target(url: str, guard: Guard) -> tuple[str, dict[str, str], dict]:
    """The URL to request with its host replaced by the checked address, the Host header and TLS name."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
    addresses = resolve(host, port)
    for address in addresses:
        guard(host, address)
    address = addresses[0]
    netloc = f"[{address}]" if address.version == 6 else str(address)
    pinned = urlunsplit((parts.scheme, f"{netloc}:{port}", parts.path or "/", parts.query, ""))
    return pinned, {"Host": parts.netloc.rsplit("@", 1)[-1]}, {"sni_hostname": host}


def _check_link(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"not an http(s) link: {url}")


def _check_type(response: httpx.Response) -> None:
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != HTML_TYPE:
        raise FetchError(f"not a web page: the server sent {media_type or 'no content type'}, not {HTML_TYPE}")


def _read_body(response: httpx.Response, limits: FetchLimits, deadline: float) -> bytes:
    """The body, refused past the size limit (whatever Content-Length says) or the time limit."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes:
        raise FetchError(f"the page is {int(declared):,} bytes, over the {limits.max_bytes:,}-byte limit")
    body = bytearray()
    for chunk in response.iter_bytes(CHUNK):
        body += chunk
        if len(body) > limits.max_bytes:
            raise FetchError(f"the page is over the {limits.max_bytes:,}-byte limit")
        if time.monotonic() > deadline:
            raise FetchError(f"the page took longer than {limits.timeout:g} s to arrive")
    return bytes(body)


def _decoded(body: bytes, response: httpx.Response) -> str:
    """The page's text: in the charset the server names, else the one the page declares, else UTF-8."""
    charset = response.charset_encoding
    try:
        return body.decode(charset) if charset else decode_html(body)
    except (LookupError, UnicodeDecodeError):
        raise FetchError(f"the page is not valid {charset} text") from None
    except ArticleError as error:
        raise FetchError(str(error)) from None


def fetch_page(url: str, limits: FetchLimits = FetchLimits(), guard: Guard | None = None) -> FetchedPage:
    """GET an http(s) page, following redirects; only a 2xx text/html answer within the limits is a page."""
    deadline = time.monotonic() + limits.timeout
    with httpx.Client(timeout=limits.timeout, follow_redirects=False, trust_env=False,
                      headers={"User-Agent": USER_AGENT, "Accept": "text/html"}) as client:
        for _ in range(limits.max_redirects + 1):
            _check_link(url)
            target, headers, extensions = _guarded_target(url, guard) if guard else (url, {}, {})
            try:
                with client.stream("GET", target, headers=headers, extensions=extensions) as response:
                    if response.is_redirect and "location" in response.headers:
                        url = urljoin(url, response.headers["location"])
                        continue
                    if response.status_code >= 400:
                        raise FetchError(f"the server answered HTTP {response.status_code} {response.reason_phrase}")
                    _check_type(response)
                    return FetchedPage(url, _decoded(_read_body(response, limits, deadline), response))
            except httpx.TimeoutException:
                raise FetchError(f"no answer from {urlsplit(url).hostname} within {limits.timeout:g} s") from None
            except httpx.HTTPError as error:
                raise FetchError(f"cannot fetch {url}: {error}") from None
    raise FetchError(f"more than {limits.max_redirects} redirects")


def page_file_name(url: str) -> str:
    """Where a fetched page is saved in the corpus folder: web/<host>/<last path part>-<hash>.html."""
    parts = urlsplit(url)
    segments = [s for s in unquote(parts.path).split("/") if s]
    slug = SLUG_CHARACTERS.sub("-", segments[-1] if segments else "index").strip("-.")[:MAX_SLUG]
    slug = re.sub(r"\.html?$", "", slug, flags=re.I) or "index"
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:8]
    host = SLUG_CHARACTERS.sub("-", (parts.hostname or "site").lower())
    return f"web/{host}/{slug}-{digest}.html"


def saved_page(page: FetchedPage) -> bytes:
    """The page as a browser saves it: its address in the `saved from url` mark, in UTF-8 (declared first)."""
    mark = f"{saved_from_mark(page.url)}\n<meta charset=\"utf-8\">\n"
    doctype = DOCTYPE.match(page.html)
    head = doctype.group(0) if doctype else ""
    return (head + mark + page.html[len(head):]).encode("utf-8")


def limits_for(settings: Settings) -> FetchLimits:
    return FetchLimits(settings.web.timeout, settings.web.max_bytes, settings.web.max_redirects)


def add_link(service: AnswerService, url: str, guard: Guard | None = None) -> list[AddedArticle]:
    """Fetch a page and index it at its own place in the corpus folder (web/<host>/…), its address recorded.

    FetchError or ArticleError (a page with no article) say why it was refused; nothing is saved then.
    """
    page = fetch_page(url.strip(), limits_for(service.settings), guard)
    return service.put_file(page_file_name(page.url), saved_page(page))
