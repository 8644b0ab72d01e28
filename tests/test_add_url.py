"""`isnad add URL` against a real web server on 127.0.0.1, and the guard that links from Telegram pass."""
from __future__ import annotations

import ipaddress
import json
from pathlib import Path

import pytest
from conftest import PAGES, Isnad
from web_server import WebServer

from bot.fetch import (
    FetchError,
    FetchLimits,
    fetch_page,
    page_file_name,
    refuse_private,
)

CNN = (PAGES / "cnn_damascus.html").read_bytes()
CNN_URL = "https://arabic.cnn.com/middle-east/article/2024/03/12/syria-nasib-crossing-trucks"


@pytest.fixture
def web() -> WebServer:
    server = WebServer().start()
    yield server
    server.stop()


@pytest.fixture
def runner(corpus: Path, db: Path) -> Isnad:
    return Isnad(corpus, db, ISNAD_DENSE="0", ISNAD_WEB_TIMEOUT="1", ISNAD_WEB_MAX_BYTES="60000")


def corpus_files(corpus: Path) -> list[str]:
    return sorted(p.relative_to(corpus).as_posix() for p in corpus.rglob("*") if p.is_file())


def test_a_page_is_fetched_saved_with_its_address_and_indexed(runner: Isnad, web: WebServer) -> None:
    url = web.page("/news/2024/nasib.html?ref=home", CNN)
    result = runner.run("add", url)
    assert result.stdout.startswith(f"added {url}: سوريا تعيد فتح معبر نصيب") and "sources: CNN" in result.stdout
    [saved] = [f for f in corpus_files(runner.corpus) if f.startswith("web/")]
    assert saved.startswith("web/127.0.0.1/nasib-") and saved.endswith(".html")
    page = (runner.corpus / saved).read_text(encoding="utf-8")
    assert f"<!-- saved from url=({len(url):04d}){url} -->" in page and page.startswith("<!DOCTYPE html>")
    [article] = [json.loads(line) for line in runner.run("articles", "--json").stdout.splitlines()
                 if json.loads(line)["file"] == saved]
    assert article["url"] == CNN_URL  # the page's canonical link, not where it was fetched
    top = runner.ask("كم شاحنة يستقبل معبر نصيب يومياً؟")["passages"][0]
    assert "400 شاحنة" in top["text"] and top["source"] == "CNN" and top["url"] == CNN_URL


def test_adding_the_same_link_again_replaces_its_page(runner: Isnad, web: WebServer) -> None:
    url = web.page("/story", CNN)
    runner.run("add", url)
    web.page("/story", CNN.replace("400 شاحنة".encode(), "500 شاحنة".encode()))
    runner.run("add", url)
    assert len([f for f in corpus_files(runner.corpus) if f.startswith("web/")]) == 1
    assert "500 شاحنة" in runner.ask("كم شاحنة يستقبل معبر نصيب يومياً؟")["passages"][0]["text"]
    assert len(runner.run("articles", "--json").stdout.splitlines()) == 2  # the seed and this page


def test_redirects_are_followed_and_the_final_address_is_recorded(runner: Isnad, web: WebServer) -> None:
    final = web.page("/final", CNN)
    web.redirect("/moved", "/again", 302)
    start = web.redirect("/again", final)
    runner.run("add", web.url("/moved"))
    [saved] = [f for f in corpus_files(runner.corpus) if f.startswith("web/")]
    assert f"saved from url=({len(final):04d}){final}" in (runner.corpus / saved).read_text(encoding="utf-8")
    assert start != final and [p for p, _ in web.requests] == ["/moved", "/again", "/final"]


def test_a_charset_named_only_by_the_server_is_honoured(runner: Isnad, web: WebServer) -> None:
    page = (PAGES / "okaz_windows1256.html").read_bytes().replace(b"charset=windows-1256", b"")
    url = web.page("/okaz", page, content_type="text/html; charset=windows-1256")
    assert "منظمة الصحة العالمية تحذر" in runner.run("add", url).stdout


@pytest.mark.parametrize(("path", "route", "reason"), [
    ("/missing", None, "the server answered HTTP 404 Not Found"),
    ("/slow", {"body": CNN, "delay": 3}, "no answer from 127.0.0.1 within 1 s"),
    ("/report.pdf", {"body": b"%PDF-1.7 ...", "content_type": "application/pdf"},
     "not a web page: the server sent application/pdf, not text/html"),
    ("/feed", {"body": b"{}", "content_type": None}, "not a web page: the server sent no content type, not text/html"),
    ("/big", {"body": CNN * 12}, f"the page is {len(CNN) * 12:,} bytes, over the 60,000-byte limit"),
    ("/streamed", {"body": CNN * 12, "without_length": True}, "the page is over the 60,000-byte limit"),
    ("/front", {"body": (PAGES / "front_page.html").read_bytes()}, "no article found in the page"),
])
def test_a_link_that_is_not_an_article_page_is_refused_in_one_line_and_nothing_is_added(
        runner: Isnad, web: WebServer, path: str, route: dict | None, reason: str) -> None:
    if route:
        web.page(path, **route)
    before = corpus_files(runner.corpus)
    result = runner.run("add", web.url(path), check=False)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"refused {web.url(path)}: {reason}")
    assert corpus_files(runner.corpus) == before
    assert len(runner.run("articles", "--json").stdout.splitlines()) == 1


def test_files_and_links_mix_and_a_missing_file_is_refused(runner: Isnad, web: WebServer) -> None:
    result = runner.run("add", web.page("/ok", CNN), str(PAGES / "reuters_style.md"), "/no/such/file.txt")
    assert result.returncode == 0 and result.stdout.count("added ") == 2
    assert "refused /no/such/file.txt: no such file, and not an http(s) link" in result.stderr


# -- the guard for links from Telegram ------------------------------------------------------------


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "172.16.0.9", "192.168.1.1", "169.254.169.254",
                                     "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1",
                                     "224.0.0.1"])
def test_private_loopback_link_local_and_multicast_addresses_are_refused(address: str) -> None:
    with pytest.raises(FetchError, match="private, loopback or link-local"):
        refuse_private("example.org", ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "151.101.1.69", "2a00:1450:4001:80b::200e"])
def test_public_addresses_pass(address: str) -> None:
    refuse_private("example.org", ipaddress.ip_address(address))


def test_the_guard_checks_the_resolved_address_of_every_hop(web: WebServer) -> None:
    with pytest.raises(FetchError, match="127.0.0.1 is at 127.0.0.1"):
        fetch_page(web.page("/page", CNN), FetchLimits(timeout=2), refuse_private)
    assert web.requests == []  # refused before any request

    def first_hop_only(host: str, address) -> None:  # lets the test's own server answer the first request
        if host != "127.0.0.1":
            refuse_private(host, address)

    web.redirect("/hop", web.url("/page", host="localhost"))
    with pytest.raises(FetchError, match=r"localhost is at (127\.0\.0\.1|::1)"):
        fetch_page(web.url("/hop"), FetchLimits(timeout=2), first_hop_only)
    assert [p for p, _ in web.requests] == ["/hop"]  # the redirect to a name for loopback was not followed


def test_a_guarded_request_goes_to_the_checked_address_under_its_host_name(web: WebServer) -> None:
    page = fetch_page(web.page("/page", CNN).replace("127.0.0.1", "localhost"), FetchLimits(timeout=2),
                      lambda host, address: None)
    assert "نصيب" in page.html and web.requests == [("/page", f"localhost:{web.port}")]


def test_saved_page_names_are_plain_and_stay_in_their_folder() -> None:
    assert page_file_name("https://www.aljazeera.net/news/2024/3/14/%D8%AE%D8%A8%D8%B1-%D8%B9%D8%A7%D8%AC%D9%84") \
        .startswith("web/www.aljazeera.net/خبر-عاجل-")
    assert page_file_name("http://example.org/../../etc/passwd").startswith("web/example.org/passwd-")
    assert page_file_name("http://example.org/").startswith("web/example.org/index-")
    assert page_file_name("http://example.org/.hidden").startswith("web/example.org/hidden-")
